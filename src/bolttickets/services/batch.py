"""The worker's use case: apply one batch of booking requests in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from bolttickets.domain.allocation import Decision, TicketTypeState, allocate
from bolttickets.domain.model import HOLDING_STATUSES, Booking, BookingStatus
from bolttickets.domain.requests import BookingRequest
from bolttickets.services.messages import (
    UPDATES_CHANNEL,
    BookingUpdate,
    InventoryUpdate,
    encode_update,
)
from bolttickets.services.ports import (
    Inventory,
    PubSub,
    Settlement,
    StockStore,
    StoredBooking,
    UnitOfWorkFactory,
)
from bolttickets.services.tickets import Tickets


@dataclass(frozen=True, slots=True)
class QueuePosition:
    group: str
    topic: str
    next_offsets: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    decided: list[Booking]
    """Bookings this batch wrote: reserved, paid (free) or rejected."""
    settlements: list[Settlement]


async def apply_batch(
    uow_factory: UnitOfWorkFactory,
    requests: Sequence[BookingRequest],
    position: QueuePosition,
    now: datetime,
) -> BatchOutcome:
    """Decide and store every request, and the queue position, in one transaction. A
    reserved booking's deadline to pay is ``now`` plus its event's payment window.

    Requests whose booking the database holds already (a redelivery, a re-sent hold, a retry)
    are not decided again; they are only settled, according to their stored status.
    """
    async with uow_factory(write=True) as uow:
        # Lock first: a worker that lost its partition mid-batch then cannot insert the same
        # bookings between our look-up and our insert.
        states = await uow.bookings.lock_ticket_types(sorted({r.ticket_type_id for r in requests}))
        existing = await uow.bookings.existing(list({r.booking_id for r in requests}))
        fresh = list(_first_of_each(requests, existing).values())
        pairs = sorted({(r.user_id, r.ticket_type_id) for r in fresh})
        held = await uow.bookings.held_per_user(pairs) if pairs else {}
        decisions = allocate(fresh, states, held)
        decided = await uow.bookings.insert_new(
            [
                (
                    d.request.as_booking(d.status, d.reason, _deadline(d, states, now)),
                    d.request.idempotency_key,
                    d.request.fingerprint,
                )
                for d in decisions
            ]
        )
        sold: Counter[UUID] = Counter()
        for booking in decided:
            if booking.status in HOLDING_STATUSES:
                sold[booking.ticket_type_id] += booking.quantity
        if sold:
            await uow.bookings.add_sold(sold)
        await Tickets.issue_for(uow, *(b for b in decided if b.status is BookingStatus.PAID))
        await uow.offsets.store(position.group, position.topic, position.next_offsets)
        await uow.commit()
    return BatchOutcome(decided, _settlements(requests, decided, existing))


def _deadline(
    decision: Decision, states: Mapping[UUID, TicketTypeState], now: datetime
) -> datetime | None:
    if decision.status is not BookingStatus.RESERVED:
        return None
    window = states[decision.request.ticket_type_id].payment_window_seconds
    return now + timedelta(seconds=window)


def _first_of_each(
    requests: Sequence[BookingRequest], existing: Mapping[UUID, StoredBooking]
) -> dict[UUID, BookingRequest]:
    """The first request of each booking id the database lacks, in queue order: the one that
    becomes the booking. Another with the same id is the same request again, or the same
    Idempotency-Key with another body, which is not that booking."""
    first: dict[UUID, BookingRequest] = {}
    for r in requests:
        if r.booking_id not in existing:
            first.setdefault(r.booking_id, r)
    return first


def _settlements(
    requests: Sequence[BookingRequest],
    decided: Sequence[Booking],
    existing: Mapping[UUID, StoredBooking],
) -> list[Settlement]:
    """Only a request known to be rejected gives its tickets back, and one that is not its
    booking: the same Idempotency-Key with another body (admission refuses it, but a key
    Redis forgot or a race can slip one past). One whose insert lost to a row we could not
    see keeps them; reconcile returns them if that was wrong, whereas giving back too much
    would admit buyers the database must then refuse."""
    rejected = {b.id for b in decided if b.status is BookingStatus.REJECTED}
    rejected.update(
        booking_id
        for booking_id, stored in existing.items()
        if stored.status is BookingStatus.REJECTED
    )
    owners = {b: s.fingerprint for b, s in existing.items()}
    owners |= {b: r.fingerprint for b, r in _first_of_each(requests, existing).items()}
    unique = {(r.booking_id, r.fingerprint): r for r in requests}
    return [
        Settlement(r, r.booking_id not in rejected and r.fingerprint == owners[r.booking_id])
        for r in unique.values()
    ]


async def publish_outcome(
    pubsub: PubSub, outcome: BatchOutcome, inventory: Mapping[UUID, Inventory]
) -> None:
    """One message per batch: every decided booking's status and the stock it touched, as
    settling it left it (``inventory``, from StockStore.settle)."""
    events = {s.request.ticket_type_id: s.request.event_id for s in outcome.settlements}
    await _publish(pubsub, events, inventory, outcome.decided)


async def publish_updates(
    stock: StockStore, pubsub: PubSub, events: Mapping[UUID, UUID], bookings: Sequence[Booking]
) -> None:
    """One update message: the stock of these ticket types (ticket type id -> event id) as
    it is now, and the status of these bookings."""
    if not events:
        return
    await _publish(pubsub, events, await stock.inventory(list(events)), bookings)


async def _publish(
    pubsub: PubSub,
    events: Mapping[UUID, UUID],
    inventory: Mapping[UUID, Inventory],
    bookings: Sequence[Booking],
) -> None:
    if not events:
        return
    await pubsub.publish(
        UPDATES_CHANNEL,
        encode_update(
            [InventoryUpdate(events[tt_id], inv) for tt_id, inv in inventory.items()],
            [BookingUpdate.of(b) for b in bookings],
        ),
    )
