"""Stock, holds, per-user counts and idempotency keys in memory, for the embedded mode.

Each method runs without awaiting, so on one event loop every reservation is one atomic
step, as the Lua script is on Redis. Rebuilt from the database and the log at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from bolttickets.domain.requests import BookingRequest
from bolttickets.observability import metrics
from bolttickets.services.ports import (
    Admission,
    Clock,
    HoldSnapshot,
    Inventory,
    Settlement,
    StockLoad,
)


@dataclass(slots=True)
class _Hold:
    request: BookingRequest
    last_sent: datetime


@dataclass(slots=True)
class _TicketTypeStock:
    event_id: UUID
    remaining: int
    version: int
    per_user_limit: int | None
    opens_at: datetime | None
    closes_at: datetime
    per_user: dict[UUID, int]
    keys: dict[UUID, str]
    holds: dict[UUID, _Hold] = field(default_factory=dict)

    def give_back(self, user_id: UUID, quantity: int) -> None:
        self.remaining += quantity
        self.per_user[user_id] = max(0, self.per_user.get(user_id, 0) - quantity)
        self.version += 1


def version_base(now: datetime) -> int:
    """Versions start from the clock in microseconds, so a rebuilt stock never goes back."""
    return int(now.timestamp() * 1_000_000)


class MemoryStockStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._stock: dict[UUID, _TicketTypeStock] = {}
        self._hold_types: dict[UUID, UUID] = {}

    @metrics.timed(metrics.RESERVATION_SECONDS)
    async def reserve(self, request: BookingRequest) -> Admission:
        s = self._stock.get(request.ticket_type_id)
        if s is None:
            return Admission.UNKNOWN
        if request.idempotency_key is not None:
            # A key belongs to its user, not to a ticket type: the same key's hold on another
            # ticket type is a reuse. Redis checks it the same way against the hold index: in
            # reserve_one (lib.lua) on a single node, in RedisStockStore on a cluster.
            if self._hold_types.get(request.booking_id, request.ticket_type_id) != (
                request.ticket_type_id
            ):
                return Admission.KEY_REUSED
            known = s.keys.get(request.booking_id)
            if known is not None:
                return Admission.DUPLICATE if known == request.fingerprint else Admission.KEY_REUSED
        # The sale window is checked here and in reserve.lua, the same rule twice (Redis runs
        # it in Lua); test_sale_window in tests/contract/test_stock_store.py holds both.
        now = self._clock.now()
        if (s.opens_at is not None and now < s.opens_at) or now >= s.closes_at:
            return Admission.SALE_NOT_OPEN
        held = s.per_user.get(request.user_id, 0)
        if s.per_user_limit is not None and held + request.quantity > s.per_user_limit:
            return Admission.PER_USER_LIMIT
        if s.remaining < request.quantity:
            return Admission.SOLD_OUT
        s.remaining -= request.quantity
        s.version += 1
        s.per_user[request.user_id] = held + request.quantity
        if request.idempotency_key is not None:
            s.keys[request.booking_id] = request.fingerprint
        s.holds[request.booking_id] = _Hold(request, now)
        self._hold_types[request.booking_id] = request.ticket_type_id
        return Admission.RESERVED

    async def load(self, stock: StockLoad, *, replace: bool = False) -> bool:
        old = self._stock.get(stock.ticket_type_id)
        if old is not None and not replace:
            return False
        now = self._clock.now()
        version = max(version_base(now), old.version + 1 if old else 0)
        if old is not None:
            for booking_id in old.holds:
                self._hold_types.pop(booking_id, None)
        self._stock[stock.ticket_type_id] = _TicketTypeStock(
            event_id=stock.event_id,
            remaining=stock.remaining,
            version=version,
            per_user_limit=stock.per_user_limit,
            opens_at=stock.sale_opens_at,
            closes_at=stock.sale_closes_at,
            per_user=dict(stock.per_user),
            keys=dict(stock.keyed_bookings),
            holds={h.booking_id: _Hold(h, h.created_at) for h in stock.holds},
        )
        for hold in stock.holds:
            self._hold_types[hold.booking_id] = stock.ticket_type_id
        return True

    async def get_hold(self, booking_id: UUID) -> BookingRequest | None:
        tt_id = self._hold_types.get(booking_id)
        hold = self._stock[tt_id].holds.get(booking_id) if tt_id else None
        return hold.request if hold else None

    async def surviving_holds(self, ticket_type_id: UUID) -> list[BookingRequest]:
        return []  # holds live inside their stock here: they are never without it

    async def settle(self, settlements: Sequence[Settlement]) -> dict[UUID, Inventory]:
        for settlement in settlements:
            request = settlement.request
            s = self._stock.get(request.ticket_type_id)
            if s is None or s.holds.pop(request.booking_id, None) is None:
                continue
            self._hold_types.pop(request.booking_id, None)
            if not settlement.confirmed:
                s.give_back(request.user_id, request.quantity)
        return await self.inventory(list({s.request.ticket_type_id: s for s in settlements}))

    async def release(self, ticket_type_id: UUID, user_id: UUID, quantity: int) -> None:
        s = self._stock.get(ticket_type_id)
        if s is not None:
            s.per_user[user_id] = max(0, s.per_user.get(user_id, 0) - quantity)

    async def inventory(self, ticket_type_ids: Sequence[UUID]) -> dict[UUID, Inventory]:
        return {
            tt_id: Inventory(tt_id, s.remaining, s.version)
            for tt_id in ticket_type_ids
            if (s := self._stock.get(tt_id)) is not None
        }

    async def ticket_types(self) -> list[UUID]:
        return list(self._stock)

    async def claim_stale_holds(
        self, older_than: datetime, now: datetime, limit: int, ticket_type_ids: Sequence[UUID]
    ) -> list[BookingRequest]:
        claimed: list[BookingRequest] = []
        for tt_id in ticket_type_ids:
            if (s := self._stock.get(tt_id)) is None:
                continue
            for hold in s.holds.values():
                if len(claimed) >= limit:
                    return claimed
                if hold.last_sent < older_than:
                    hold.last_sent = now
                    claimed.append(hold.request)
        return claimed

    async def hold_snapshot(self, ticket_type_id: UUID) -> HoldSnapshot | None:
        s = self._stock.get(ticket_type_id)
        if s is None:
            return None
        return HoldSnapshot(
            s.version,
            {b: h.request.quantity for b, h in s.holds.items()},
            s.remaining,
            min((h.last_sent for h in s.holds.values()), default=None),
        )

    async def compare_and_set(self, ticket_type_id: UUID, version: int, remaining: int) -> bool:
        s = self._stock.get(ticket_type_id)
        if s is None or s.version != version:
            return False
        if s.remaining != remaining:
            s.remaining = remaining
            s.version += 1
        return True
