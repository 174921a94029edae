"""Keeping the stock store true to the database: rebuild when missing, reconcile by CAS."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bolttickets.domain.model import Booking, BookingStatus, TicketType
from bolttickets.domain.requests import BookingRequest
from bolttickets.services.batch import publish_updates
from bolttickets.services.ports import (
    Clock,
    HoldSnapshot,
    PubSub,
    StockLoad,
    StockStore,
    UnitOfWorkFactory,
)

# A hold on one of these is already counted in ``sold`` (or was given back by the cancel,
# expiry or refund), and settling it will not touch the stock again.
_SETTLED_WITHOUT_STOCK_CHANGE = frozenset(
    {
        BookingStatus.RESERVED,
        BookingStatus.PAID,
        BookingStatus.EXPIRED,
        BookingStatus.REFUNDED,
        BookingStatus.CANCELLED,
    }
)
# Ticket types of open sales visited per round on top of those the worker touched: bounded,
# so a round stays short however many sales there are.
ROUND_ROBIN_PER_ROUND = 50
# Cancels whose give-back a crash interrupted, finished per round.
RELEASES_PER_ROUND = 100


@dataclass(frozen=True, slots=True)
class StockLevel:
    """One ticket type as the database and the stock store see it, read as reconcile does."""

    event_id: UUID
    ticket_type_id: UUID
    capacity: int
    sold: int
    remaining: int | None
    """What the stock store admits against; None while it has no stock loaded."""
    drift: int | None
    """remaining - (capacity - sold - unsettled holds): 0 when the two agree."""
    oldest_hold_sent_at: datetime | None


class StockSync:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        stock: StockStore,
        on_corrected: Callable[[int], None] = lambda tickets: None,
    ) -> None:
        """``on_corrected`` is told by how many tickets each reconcile moved the stock."""
        self._uow = uow
        self._stock = stock
        self._on_corrected = on_corrected
        self._rebuilding: dict[UUID, asyncio.Future[bool]] = {}
        self._walked_past: UUID | None = None

    async def rebuild(
        self,
        ticket_type_id: UUID,
        unapplied: Sequence[BookingRequest] = (),
        *,
        replace: bool = False,
    ) -> bool:
        """Load a ticket type's stock from the database plus the requests not yet applied,
        and the holds the stock store still has (those of requests answered 503, which the
        sweeper will send).

        Returns False when the database does not know the ticket type. After a loss of the
        stock store every request finds it unknown: concurrent rebuilds of one ticket type
        without ``unapplied`` or ``replace`` share one load (single flight).
        """
        if unapplied or replace:
            return await self._load(ticket_type_id, unapplied, replace)
        running = self._rebuilding.get(ticket_type_id)
        if running is None:
            running = asyncio.ensure_future(self._load(ticket_type_id, (), False))
            self._rebuilding[ticket_type_id] = running
            running.add_done_callback(lambda _: self._rebuilding.pop(ticket_type_id, None))
        # Shielded: one caller giving up must not cancel the load the others wait for.
        return await asyncio.shield(running)

    async def _load(
        self, ticket_type_id: UUID, unapplied: Sequence[BookingRequest], replace: bool
    ) -> bool:
        if not replace:
            unapplied = [*unapplied, *await self._stock.surviving_holds(ticket_type_id)]
        async with self._uow() as uow:
            basis = await uow.events.stock_basis(ticket_type_id)
            applied = await uow.bookings.existing([r.booking_id for r in unapplied])
        if basis is None:
            return False
        holds = _unique(r for r in unapplied if r.booking_id not in applied)
        per_user: Counter[UUID] = Counter(basis.held_per_user)
        keys = dict(basis.keyed_bookings)
        for hold in holds:
            per_user[hold.user_id] += hold.quantity
            keys[hold.booking_id] = hold.fingerprint
        tt = basis.ticket_type
        await self._stock.load(
            StockLoad(
                ticket_type_id=tt.id,
                event_id=tt.event_id,
                remaining=tt.capacity - tt.sold - sum(h.quantity for h in holds),
                per_user_limit=tt.per_user_limit,
                sale_opens_at=basis.sale_opens_at,
                sale_closes_at=basis.sale_closes_at,
                per_user=dict(per_user),
                keyed_bookings=keys,
                holds=holds,
            ),
            replace=replace,
        )
        return True

    async def rebuild_all(self, unapplied: Sequence[BookingRequest] = ()) -> None:
        """Start-up: every ticket type, with the unapplied part of the queue as holds."""
        by_type: defaultdict[UUID, list[BookingRequest]] = defaultdict(list)
        for request in unapplied:
            by_type[request.ticket_type_id].append(request)
        async with self._uow() as uow:
            ids = await uow.events.all_ticket_type_ids()
        for tt_id in ids:
            await self.rebuild(tt_id, by_type.get(tt_id, ()), replace=True)

    async def reconcile_round(self, touched: Iterable[UUID], clock: Clock) -> set[UUID]:
        """Reconcile the ticket types the worker touched and the next few of every open
        sale, round robin: a sold-out type sees no bookings, yet a give-back lost to a crash
        must come back to it. Returns the touched ones that moved meanwhile, to retry."""
        async with self._uow() as uow:
            page = await uow.events.open_ticket_types(
                clock.now(), self._walked_past, ROUND_ROBIN_PER_ROUND
            )
        await self.finish_releases()
        # A short page is the end of the walk: the next round starts from the beginning.
        self._walked_past = page[-1] if len(page) == ROUND_ROBIN_PER_ROUND else None
        retry = set()
        touched = set(touched)
        for tt_id in touched | set(page):
            if not await self.reconcile(tt_id) and tt_id in touched:
                retry.add(tt_id)
        return retry

    async def release(self, cancelled: Booking) -> None:
        """Give a cancelled, expired or refunded booking's tickets back to its buyer's
        count, then clear the database's mark that this is pending."""
        await self._stock.release(cancelled.ticket_type_id, cancelled.user_id, cancelled.quantity)
        async with self._uow(write=True) as uow:
            await uow.bookings.mark_released([cancelled.id])
            await uow.commit()

    async def finish_releases(self, ids: Sequence[UUID] | None = None) -> None:
        """The give-backs a crash or a stock store error left pending (of ``ids``, or the
        next few of any). At least once: a crash between the give-back and clearing its mark
        gives it again, which can only let the buyer be admitted past their limit, and the
        worker refuses that from the database; never once would keep them refused for good."""
        async with self._uow() as uow:
            pending = await uow.bookings.pending_releases(RELEASES_PER_ROUND, ids)
        for cancelled in pending:
            await self.release(cancelled)

    async def reconcile(self, ticket_type_id: UUID, attempts: int = 1) -> bool:
        """Set stock to capacity - sold - unsettled holds, unless it moved meanwhile
        (then again, up to ``attempts`` times).

        Returns whether the stock store now holds the computed value.
        """
        for _ in range(attempts):
            if await self._reconcile_once(ticket_type_id):
                return True
        return False

    async def _reconcile_once(self, ticket_type_id: UUID) -> bool:
        snapshot = await self._stock.hold_snapshot(ticket_type_id)
        if snapshot is None:
            return await self.rebuild(ticket_type_id)
        state = await self._expected(ticket_type_id, snapshot)
        if state is None:
            return False
        _, target = state
        assert target is not None
        if not await self._stock.compare_and_set(ticket_type_id, snapshot.version, target):
            return False
        if target != snapshot.remaining:
            self._on_corrected(abs(target - snapshot.remaining))
        return True

    async def levels(self, now: datetime, limit: int) -> list[StockLevel]:
        """The first ``limit`` ticket types whose sale has not closed (open or to come)."""
        async with self._uow() as uow:
            ids = await uow.events.open_ticket_types(now, None, limit)
        return [level for tt_id in ids if (level := await self._level(tt_id)) is not None]

    async def _level(self, ticket_type_id: UUID) -> StockLevel | None:
        snapshot = await self._stock.hold_snapshot(ticket_type_id)
        state = await self._expected(ticket_type_id, snapshot)
        if state is None:
            return None
        tt, expected = state
        if snapshot is None or expected is None:
            return StockLevel(tt.event_id, tt.id, tt.capacity, tt.sold, None, None, None)
        return StockLevel(
            tt.event_id,
            tt.id,
            tt.capacity,
            tt.sold,
            snapshot.remaining,
            snapshot.remaining - expected,
            snapshot.oldest_sent_at,
        )

    async def _expected(
        self, ticket_type_id: UUID, snapshot: HoldSnapshot | None
    ) -> tuple[TicketType, int | None] | None:
        """The ticket type, and the stock it should have beside ``snapshot``'s holds:
        capacity - sold - what settling the holds will still take (None without a
        snapshot). Reconcile sets it; the sale gauges report how far the store is from it."""
        holds = list(snapshot.holds) if snapshot is not None else []
        async with self._uow() as uow:
            state = await uow.bookings.settled_state(ticket_type_id, holds)
        if state is None:
            return None
        tt, statuses = state
        if snapshot is None:
            return tt, None
        return tt, tt.capacity - tt.sold - _unsettled(snapshot, statuses)


async def give_back(
    sync: StockSync, stock: StockStore, pubsub: PubSub, bookings: Sequence[Booking]
) -> None:
    """After a commit that gave these bookings' tickets back to ``sold`` (a cancel, an
    expiry, a refund): return them to their buyers' counts and to the sale's stock, and
    tell their new status live.

    The remaining stock is set from the database, never added to: a reconcile that read
    the change already would otherwise be added to twice. Should this not happen (a crash,
    a Redis error, a rush that keeps moving the stock), the worker's round robin over open
    sales does it, and finishes the give-backs to the buyers' counts that are left pending.
    """
    for booking in bookings:
        await sync.release(booking)
    events = {b.ticket_type_id: b.event_id for b in bookings}
    for ticket_type_id in events:
        await sync.reconcile(ticket_type_id, attempts=3)
    await publish_updates(stock, pubsub, events, bookings)


def _unsettled(snapshot: HoldSnapshot, statuses: dict[UUID, BookingStatus]) -> int:
    """Tickets of the snapshot's holds that settling will still take off or give back."""
    return sum(
        quantity
        for booking_id, quantity in snapshot.holds.items()
        if statuses.get(booking_id) not in _SETTLED_WITHOUT_STOCK_CHANGE
    )


def _unique(requests: Iterable[BookingRequest]) -> list[BookingRequest]:
    return list({r.booking_id: r for r in requests}.values())
