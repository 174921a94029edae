"""Waiting lists in one process's memory, for the embedded default.

The same answers as ``redis_waiting_list.py`` (``tests/contract/test_waiting_list_store.py``);
every method runs without awaiting, so each is one atomic step on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from bolttickets.domain.waiting_list import ListCounts, ListPlace, ListState, Offers
from bolttickets.services.ports import Clock, Spare


@dataclass
class _List:
    event_id: UUID
    keep_until: datetime
    issued: int = 0
    """Numbers in line given so far."""
    offered_through: int = 0
    line: dict[UUID, int] = field(default_factory=dict)
    """Who waits -> their number, in the order of the line (numbers only grow)."""
    offers: dict[UUID, datetime] = field(default_factory=dict)
    states: dict[UUID, ListState] = field(default_factory=dict)
    bought: int = 0
    lapsed: int = 0

    def offer_next(self, count: int, expires_at: datetime) -> tuple[UUID, ...]:
        offered = tuple(list(self.line)[: max(0, count)])
        for user in offered:
            self.offered_through = max(self.offered_through, self.line.pop(user))
            self.offers[user] = expires_at
            self.states[user] = ListState.OFFERED
        return offered

    def outcome(self, offered: tuple[UUID, ...] = (), lapsed: int = 0) -> Offers:
        return Offers(offered, self.offered_through, bool(self.line or self.offers), lapsed)


_NOBODY = Offers((), 0, gated=False)


class MemoryWaitingListStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lists: dict[UUID, _List] = {}

    def _forget_old(self) -> None:
        now = self._clock.now()
        self._lists = {t: wl for t, wl in self._lists.items() if wl.keep_until > now}

    async def join(
        self, event_id: UUID, ticket_type_id: UUID, user_id: UUID, keep_until: datetime
    ) -> Offers:
        self._forget_old()
        wl = self._lists.setdefault(ticket_type_id, _List(event_id, keep_until))
        if wl.states.get(user_id) not in (ListState.WAITING, ListState.OFFERED):
            wl.issued += 1
            wl.line[user_id] = wl.issued
            wl.states[user_id] = ListState.WAITING
        return wl.outcome()

    async def place(self, ticket_type_id: UUID, user_id: UUID) -> ListPlace | None:
        wl = self._lists.get(ticket_type_id)
        state = None if wl is None else wl.states.get(user_id)
        if wl is None or state is None:
            return None
        if state is ListState.WAITING:
            return ListPlace(state, list(wl.line).index(user_id) + 1)
        return ListPlace(state, None, wl.offers.get(user_id))

    async def offer(
        self, ticket_type_id: UUID, count: int, spare: Spare, expires_at: datetime
    ) -> Offers:
        wl = self._lists.get(ticket_type_id)
        if wl is None:
            return _NOBODY
        unoffered = spare.remaining - len(wl.offers) - (wl.bought - spare.bought)
        return wl.outcome(wl.offer_next(min(count, unoffered), expires_at))

    async def lapse(self, ticket_type_id: UUID, now: datetime, expires_at: datetime) -> Offers:
        wl = self._lists.get(ticket_type_id)
        if wl is None:
            return _NOBODY
        expired = [user for user, until in wl.offers.items() if until <= now]
        for user in expired:
            del wl.offers[user]
            wl.states[user] = ListState.LAPSED
        wl.lapsed += len(expired)
        return wl.outcome(wl.offer_next(len(expired), expires_at), len(expired))

    async def leave(self, ticket_type_id: UUID, user_id: UUID, expires_at: datetime) -> Offers:
        wl = self._lists.get(ticket_type_id)
        if wl is None:
            return _NOBODY
        state = wl.states.get(user_id)
        passed_on: tuple[UUID, ...] = ()
        if state is ListState.WAITING:
            del wl.line[user_id]
        elif state is ListState.OFFERED:
            del wl.offers[user_id]
            passed_on = wl.offer_next(1, expires_at)
        if state in (ListState.WAITING, ListState.OFFERED):
            wl.states[user_id] = ListState.LEFT
        return wl.outcome(passed_on)

    async def use(self, ticket_type_id: UUID, user_id: UUID, now: datetime) -> bool:
        wl = self._lists.get(ticket_type_id)
        if wl is None or wl.offers.get(user_id, now) <= now:
            return False
        del wl.offers[user_id]
        wl.states[user_id] = ListState.BOUGHT
        wl.bought += 1
        return True

    async def counts(self, ticket_type_id: UUID) -> ListCounts | None:
        wl = self._lists.get(ticket_type_id)
        if wl is None:
            return None
        return ListCounts(
            wl.event_id, ticket_type_id, len(wl.line), len(wl.offers), wl.bought, wl.lapsed
        )

    async def gated(self) -> dict[UUID, UUID]:
        return {t: wl.event_id for t, wl in self._lists.items() if wl.line or wl.offers}
