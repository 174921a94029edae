"""Waiting rooms in Redis, shared by every API process. Each change is one Lua script or one
MULTI (``redis_scripts/room_*.lua``), atomic across processes as ``MemoryWaitingRoomStore``
is on one event loop. The keys of an event share the hash tag ``{<event id>}``, so each
step touches one cluster slot (``bolt`` is the default namespace):

- ``bolt:room:{ev}:places``   hash: user id -> number (0 while in the pre-queue): about
  100 bytes per waiting buyer, the room's only per-buyer cost.
- ``bolt:room:{ev}:pre``      list: the pre-queue in arrival order, until the lottery.
- ``bolt:room:{ev}:counters`` hash: assigned, serving ("now serving"), drawn, status.
- ``bolt:room:{ev}:buyers``   set: admitted buyers who booked with their pass.
- ``bolt:room:{ev}:passes``   hash: user id -> when their pass was first issued (µs).
Every tick moves their expiry to a day after the event starts, so a room leaves nothing
behind.

- ``bolt:room:{ev}:lottery:<draw>`` hash: a lottery's numbering while it is staged; it
  becomes ``places`` at once (or expires, an hour after a draw that never finished).

Outside the tag: ``bolt:room-lease:<name>``, the lease of the process that ticks the rooms.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, cast
from uuid import UUID, uuid4

from redis.commands.core import AsyncScript

from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import script_text, unavailable_as_domain
from bolttickets.services.ports import Joined, RoomCounters

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Users a lottery numbers per script call: each blocks Redis for a few milliseconds at most.
DRAW_CHUNK = 2000
_DRAWN_ALREADY = 2


class _Keys(NamedTuple):
    places: str
    pre: str
    counters: str
    buyers: str
    passes: str


class RedisWaitingRoomStore:
    def __init__(self, client: RedisClient, namespace: str = "bolt") -> None:
        self._redis = client
        self._ns = namespace
        self._scripts: dict[str, AsyncScript] = {
            name: client.register_script(script_text(name))
            for name in ("room_join", "room_stage", "room_draw", "room_advance", "lease")
        }

    async def start(self) -> None:
        for script in self._scripts.values():
            await self._redis.script_load(script.script)

    def _keys(self, event_id: UUID) -> _Keys:
        return _Keys(*(f"{self._ns}:room:{{{event_id}}}:{part}" for part in _Keys._fields))

    @unavailable_as_domain
    async def join(self, event_id: UUID, user_id: UUID, *, started: bool) -> Joined | None:
        keys = self._keys(event_id)
        number = int(
            await self._scripts["room_join"](
                keys=[keys.places, keys.pre, keys.counters],
                args=[str(user_id), int(started)],
            )
        )
        if number < 0:
            return None
        return Joined(number or None)

    @unavailable_as_domain
    async def place(self, event_id: UUID, user_id: UUID) -> Joined | None:
        found = cast(
            bytes | None, await self._redis.hget(self._keys(event_id).places, str(user_id))
        )
        if found is None:
            return None
        return Joined(int(found) or None)

    @unavailable_as_domain
    async def pre_queue(self, event_id: UUID) -> list[UUID]:
        users = cast(list[bytes], await self._redis.lrange(self._keys(event_id).pre, 0, -1))
        return [UUID(u.decode()) for u in users]

    @unavailable_as_domain
    async def draw(self, event_id: UUID, order: Sequence[UUID]) -> bool:
        """Staged in parts of DRAW_CHUNK, then installed at once: a lottery of 100,000
        blocked Redis for a second in one call."""
        keys = self._keys(event_id)
        staged = f"{self._ns}:room:{{{event_id}}}:lottery:{uuid4().hex}"
        for start in range(0, len(order), DRAW_CHUNK):
            part = [str(u) for u in order[start : start + DRAW_CHUNK]]
            outcome = int(
                await self._scripts["room_stage"](
                    keys=[keys.places, staged, keys.counters], args=[start + 1, *part]
                )
            )
            if outcome != 1:
                return outcome == _DRAWN_ALREADY
        drawn = await self._scripts["room_draw"](
            keys=[keys.places, keys.pre, keys.counters, staged], args=[len(order)]
        )
        return int(drawn) == 1

    @unavailable_as_domain
    async def advance(self, event_id: UUID, to: int) -> int:
        serving = await self._scripts["room_advance"](
            keys=[self._keys(event_id).counters], args=[to]
        )
        return int(serving)

    @unavailable_as_domain
    async def counters(self, event_id: UUID) -> RoomCounters:
        keys = self._keys(event_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(keys.counters)
            pipe.scard(keys.buyers)
            pipe.llen(keys.pre)
            raw, bought, pre_queued = await pipe.execute()
        fields = cast(dict[bytes, bytes], raw)
        return RoomCounters(
            now_serving=int(fields.get(b"serving", 0)),
            assigned=int(fields.get(b"assigned", 0)),
            drawn=fields.get(b"drawn") == b"1",
            bought=int(bought),
            pre_queued=int(pre_queued),
            status=fields.get(b"status"),
        )

    @unavailable_as_domain
    async def bought(self, event_id: UUID, user_id: UUID) -> None:
        await self._redis.sadd(self._keys(event_id).buyers, str(user_id))

    @unavailable_as_domain
    async def admitted_at(self, event_id: UUID, user_id: UUID, now: datetime) -> datetime:
        passes = self._keys(event_id).passes
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(passes, str(user_id), (now - _EPOCH) // timedelta(microseconds=1))
            pipe.hget(passes, str(user_id))
            _, first = await pipe.execute()
        return _EPOCH + timedelta(microseconds=int(first))

    @unavailable_as_domain
    async def save_status(self, event_id: UUID, status: bytes, keep_until: datetime) -> None:
        keys = self._keys(event_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.counters, "status", status)
            for key in keys:
                pipe.expireat(key, keep_until)
            await pipe.execute()

    @unavailable_as_domain
    async def lease(self, name: str, holder: str, ttl: timedelta) -> bool:
        held = await self._scripts["lease"](
            keys=[f"{self._ns}:room-lease:{name}"],
            args=[holder, max(1, ttl // timedelta(milliseconds=1))],
        )
        return int(held) == 1
