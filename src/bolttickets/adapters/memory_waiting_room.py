"""Waiting rooms in one process's memory, for the embedded default.

The same answers as ``redis_waiting_room.py`` (``tests/contract/test_waiting_room_store.py``);
every method runs without awaiting, so each is one atomic step on the event loop.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from bolttickets.services.ports import Clock, Joined, RoomCounters


@dataclass
class _Room:
    places: dict[UUID, int | None] = field(default_factory=dict)
    pre_queue: list[UUID] = field(default_factory=list)
    assigned: int = 0
    now_serving: int = 0
    drawn: bool = False
    buyers: set[UUID] = field(default_factory=set)
    admitted_at: dict[UUID, datetime] = field(default_factory=dict)
    status: bytes | None = None
    keep_until: datetime | None = None


class MemoryWaitingRoomStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._rooms: dict[UUID, _Room] = {}
        self._leases: dict[str, tuple[str, float]] = {}

    def _room(self, event_id: UUID) -> _Room:
        return self._rooms.setdefault(event_id, _Room())

    async def join(self, event_id: UUID, user_id: UUID, *, started: bool) -> Joined | None:
        room = self._room(event_id)
        if user_id in room.places:
            return Joined(room.places[user_id])
        if not room.drawn:
            if started:
                return None
            room.places[user_id] = None
            room.pre_queue.append(user_id)
            return Joined(None)
        room.assigned += 1
        room.places[user_id] = room.assigned
        return Joined(room.assigned)

    async def place(self, event_id: UUID, user_id: UUID) -> Joined | None:
        room = self._rooms.get(event_id)
        if room is None or user_id not in room.places:
            return None
        return Joined(room.places[user_id])

    async def pre_queue(self, event_id: UUID) -> list[UUID]:
        return list(self._room(event_id).pre_queue)

    async def draw(self, event_id: UUID, order: Sequence[UUID]) -> bool:
        room = self._room(event_id)
        if room.drawn:
            return True
        if len(order) != len(room.pre_queue) or set(order) != set(room.pre_queue):
            return False
        for number, user_id in enumerate(order, start=room.assigned + 1):
            room.places[user_id] = number
        room.assigned += len(order)
        room.pre_queue = []
        room.drawn = True
        return True

    async def advance(self, event_id: UUID, to: int) -> int:
        room = self._room(event_id)
        room.now_serving = max(room.now_serving, min(room.assigned, to))
        return room.now_serving

    async def counters(self, event_id: UUID) -> RoomCounters:
        room = self._room(event_id)
        return RoomCounters(
            room.now_serving,
            room.assigned,
            room.drawn,
            len(room.buyers),
            len(room.pre_queue),
            room.status,
        )

    async def bought(self, event_id: UUID, user_id: UUID) -> None:
        self._room(event_id).buyers.add(user_id)

    async def admitted_at(self, event_id: UUID, user_id: UUID, now: datetime) -> datetime:
        return self._room(event_id).admitted_at.setdefault(user_id, now)

    async def save_status(self, event_id: UUID, status: bytes, keep_until: datetime) -> None:
        room = self._room(event_id)
        room.status, room.keep_until = status, keep_until
        now = self._clock.now()
        self._rooms = {
            e: r for e, r in self._rooms.items() if r.keep_until is None or r.keep_until > now
        }

    async def lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        now = time.monotonic()
        current = self._leases.get(name)
        if current is not None and current[0] != holder and current[1] > now:
            return False
        self._leases[name] = (holder, now + ttl.total_seconds())
        return True
