"""Booking commands (through the stock store and the queue) and queries (the read model)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from bolttickets.domain.errors import (
    DatabaseUnavailable,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    SaleNotOpen,
    Unavailable,
    UnknownAccount,
    WaitingListRequired,
)
from bolttickets.domain.model import Booking, BookingStatus
from bolttickets.domain.requests import BookingRequest, booking_id_for, fingerprint
from bolttickets.services.accounts import Actor, KnownUsers
from bolttickets.services.catalog import Catalog
from bolttickets.services.ports import (
    Admission,
    BookingQueue,
    Clock,
    Page,
    PubSub,
    ReadsFactory,
    Settlement,
    StockStore,
    StoredBooking,
    UnitOfWorkFactory,
)
from bolttickets.services.stock_sync import StockSync, give_back
from bolttickets.services.tick_batch import TickBatch
from bolttickets.services.tickets import Tickets
from bolttickets.services.waiting_list import WaitingLists
from bolttickets.services.waiting_room import WaitingRooms

log = structlog.get_logger("bolttickets.bookings")


@dataclass(frozen=True, slots=True)
class Placed:
    booking_id: UUID
    status: BookingStatus


@dataclass(frozen=True, slots=True)
class _Known:
    """What the database knows of an admitted request."""

    buyer_exists: bool
    stored: StoredBooking | None
    """The booking already stored under the request's key, if any."""


_ADMITTED = _Known(buyer_exists=True, stored=None)
# Requests admitted in one tick share one database read; more wait for the next.
_LOOK_UP_BATCH = 256


class Bookings:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reads: ReadsFactory,
        stock: StockStore,
        queue: BookingQueue,
        pubsub: PubSub,
        catalog: Catalog,
        sync: StockSync,
        clock: Clock,
        users: KnownUsers | None = None,
        rooms: WaitingRooms | None = None,
        lists: WaitingLists | None = None,
    ) -> None:
        self._uow = uow
        # The hot path's reads, each of one statement or of ones that need no common
        # snapshot: without a transaction they cost no BEGIN and ROLLBACK.
        self._reads = reads
        # Shared with the accounts in a server, so an erasure is seen here at once.
        self._users = users or KnownUsers(uow)
        self._stock = stock
        self._queue = queue
        self._pubsub = pubsub
        self._catalog = catalog
        self._sync = sync
        self._clock = clock
        self._rooms = rooms
        self._lists = lists
        self._admitted: TickBatch[BookingRequest, _Known] = TickBatch(self._look_up, _LOOK_UP_BATCH)

    async def place(
        self,
        actor: Actor,
        ticket_type_id: UUID,
        quantity: int,
        idempotency_key: str | None,
        admission_pass: str | None = None,
    ) -> Placed:
        """Admit the request against the stock and queue it; the worker decides the outcome.

        Raises an Unavailable error naming the booking when the stock store or the queue
        did not answer: a hold that was made stays, the sweeper sends it later, and a retry
        with the same key finds the same booking.
        """
        ticket_type, event = await self._catalog.ticket_type(ticket_type_id)
        in_room = self._rooms is not None and self._rooms.check_pass(
            event.id, actor.user_id, admission_pass
        )
        offered = self._lists is not None and self._lists.check_offer(
            event.id, ticket_type.id, actor.user_id, admission_pass, quantity
        )
        request = BookingRequest(
            booking_id=booking_id_for(actor.user_id, idempotency_key),
            user_id=actor.user_id,
            event_id=event.id,
            ticket_type_id=ticket_type.id,
            quantity=quantity,
            unit_price_cents=ticket_type.price_cents,
            currency=ticket_type.currency,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint(ticket_type.id, quantity),
            created_at=self._clock.now(),
        )
        try:
            placed = await self._admit(request, offered=offered)
        except Unavailable as exc:
            raise exc.of_booking(request.booking_id) from exc
        if in_room and self._rooms is not None:
            await self._rooms.bought(event.id, actor.user_id)
        return placed

    async def _admit(self, request: BookingRequest, *, offered: bool = False) -> Placed:
        admission = await self._stock.reserve(request)
        if admission is Admission.UNKNOWN:
            await self._sync.rebuild(request.ticket_type_id)
            admission = await self._stock.reserve(request)
        if admission is Admission.RESERVED:
            known = await self._admitted.submit(request)
            if not known.buyer_exists or known.stored is not None:
                await self._stock.settle([Settlement(request, confirmed=False)])
            if not known.buyer_exists:
                raise UnknownAccount()
            if known.stored is not None:
                if known.stored.fingerprint != request.fingerprint:
                    raise IdempotencyKeyReused()
                return Placed(known.stored.id, known.stored.status)
            if offered:
                await self._use_offer(request)
            await self._queue.send(request)
            # Debug only: a line per booking costs more than the booking at a sale's rate.
            log.debug("booking_queued", booking_id=str(request.booking_id))
            return Placed(request.booking_id, BookingStatus.PENDING)
        if admission is Admission.DUPLICATE:
            return await self._replay(request.booking_id)
        raise admission.refusal() or SaleNotOpen("The stock of this ticket type is unknown.")

    async def _look_up(self, requests: list[BookingRequest]) -> list[_Known]:
        """What the database knows of the requests the stock admitted in one tick, in one
        read: whether each buyer's account exists (the worker could never store a booking
        without it; asked once per buyer and process) and the booking already stored under
        each key. The stock store knows a key only per ticket type and for a while (not
        after a loss), so the database is asked too, but only once the stock admitted the
        request: the refusals that are most of a flash sale cost no database read.

        A database that does not answer does not stop the sale: the worker dead-letters a
        booking it cannot store, compares fingerprints too, and gives back the hold of a
        request that is not its booking."""
        buyers = list({r.user_id for r in requests if not self._users.known(r.user_id)})
        keyed = [r.booking_id for r in requests if r.idempotency_key is not None]
        if not buyers and not keyed:
            return [_ADMITTED] * len(requests)
        try:
            async with self._reads() as reads:
                active = await reads.users.active(buyers) if buyers else set()
                stored = await reads.bookings.existing(keyed) if keyed else {}
        except DatabaseUnavailable:
            log.warning("admission_checks_skipped", requests=len(requests), exc_info=True)
            return [_ADMITTED] * len(requests)
        self._users.learn(active)
        # `active` decides, not the cache: learning may have cleared a full cache midway.
        return [
            _Known(r.user_id in active or self._users.known(r.user_id), stored.get(r.booking_id))
            for r in requests
        ]

    async def _use_offer(self, request: BookingRequest) -> None:
        """The ticket is the offered buyer's: their offer is used, once. One that lapsed or
        was left since its pass was issued gives the ticket back: it is someone else's now."""
        assert self._lists is not None
        try:
            await self._lists.use(request.event_id, request.ticket_type_id, request.user_id)
        except WaitingListRequired:
            await self._stock.settle([Settlement(request, confirmed=False)])
            raise

    async def _replay(self, booking_id: UUID) -> Placed:
        """The same request again: its booking, re-queued while it is still only a hold."""
        hold = await self._stock.get_hold(booking_id)
        if hold is not None:
            await self._queue.send(hold)
            return Placed(booking_id, BookingStatus.PENDING)
        async with self._reads() as reads:
            booking = await reads.bookings.get(booking_id)
        return Placed(booking_id, booking.status if booking else BookingStatus.PENDING)

    async def get(self, actor: Actor, booking_id: UUID) -> Booking:
        booking = await self._find(booking_id)
        if booking is None or not (actor.is_admin or booking.user_id == actor.user_id):
            raise NotFound(f"Booking {booking_id} does not exist.")
        return booking

    async def _find(self, booking_id: UUID) -> Booking | None:
        # The worker commits the row before it clears the hold, so looking at the database,
        # then the hold, then the database again can never miss a booking in between.
        async with self._reads() as reads:
            booking = await reads.bookings.get(booking_id)
        if booking is not None:
            return booking
        hold = await self._stock.get_hold(booking_id)
        if hold is not None:
            return hold.as_booking(BookingStatus.PENDING)
        async with self._reads() as reads:
            return await reads.bookings.get(booking_id)

    async def list(self, actor: Actor, cursor: str | None, limit: int) -> Page[Booking]:
        async with self._reads() as reads:
            return await reads.bookings.page(
                None if actor.is_admin else actor.user_id, cursor, limit
            )

    async def of_event(
        self,
        actor: Actor,
        event_id: UUID,
        cursor: str | None,
        limit: int,
        status: BookingStatus | None = None,
    ) -> Page[Booking]:
        """The bookings of an event (those in ``status`` when given), for whoever manages it."""
        async with self._uow() as uow:
            event = await uow.events.get(event_id)
            if event is None:
                raise NotFound(f"Event {event_id} does not exist.")
            if not event.managed_by(actor.user_id, actor.role):
                raise Forbidden("Only the event's organizer or an admin sees its bookings.")
            return await uow.bookings.page(None, cursor, limit, event_id=event_id, status=status)

    async def cancel(self, actor: Actor, booking_id: UUID) -> Booking:
        booking = await self.get(actor, booking_id)
        booking.ensure_cancellable()
        if booking.status is BookingStatus.CANCELLED:
            # A retry of a cancel that failed after its commit finishes the give-back.
            await self._sync.finish_releases([booking_id])
            return booking
        async with self._uow(write=True) as uow:
            cancelled = await uow.bookings.cancel(booking_id)
            await Tickets.void_for(uow, booking)
            await uow.commit()
        if cancelled is None:  # someone else cancelled it first: they give the stock back
            return await self.get(actor, booking_id)
        await give_back(self._sync, self._stock, self._pubsub, [cancelled])
        if self._lists is not None:
            await self._lists.stock_returned(cancelled.ticket_type_id, cancelled.quantity)
        return cancelled
