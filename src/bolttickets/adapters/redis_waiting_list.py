"""Waiting lists in Redis, shared by every API process. Each change is one call of
``redis_scripts/waitlist.lua``, atomic across processes as ``MemoryWaitingListStore`` is on
one event loop. A list's keys share the hash tag ``{<ticket type id>}`` (``bolt`` is the
default namespace):

- ``bolt:waitlist:{tt}:line``     sorted set: who waits, scored by number in line.
- ``bolt:waitlist:{tt}:offers``   sorted set: who holds an offer, scored by its expiry (µs).
- ``bolt:waitlist:{tt}:states``   hash: user id -> waiting, offered, lapsed, bought or left.
- ``bolt:waitlist:{tt}:counters`` hash: issued, through (offered through), bought, lapsed,
  event, and gated (1 while anyone waits or holds an offer: only an offer books then).
They expire a day after the event starts. Outside the tag, ``bolt:waitlists`` (hash ticket
type -> when its keys expire, unix seconds) lists every ticket type with a list, written
before the first join; which of them are gated is read from each list's own counters, so
every step touches one cluster slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast
from uuid import UUID

from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import script_text, unavailable_as_domain
from bolttickets.domain.waiting_list import ListCounts, ListPlace, ListState, Offers
from bolttickets.services.ports import Spare

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PARTS = ("line", "offers", "states", "counters")


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


class RedisWaitingListStore:
    def __init__(self, client: RedisClient, namespace: str = "bolt") -> None:
        self._redis = client
        self._lists = f"{namespace}:waitlists"
        self._ns = namespace
        self._script = client.register_script(script_text("waitlist"))

    async def start(self) -> None:
        await self._redis.script_load(self._script.script)

    def _keys(self, ticket_type_id: UUID) -> list[str]:
        return [f"{self._ns}:waitlist:{{{ticket_type_id}}}:{part}" for part in _PARTS]

    async def _run(self, ticket_type_id: UUID, op: str, *args: str | int) -> Offers:
        raw = cast(
            list[bytes | int],
            await self._script(
                keys=self._keys(ticket_type_id),
                args=[op, *args],
            ),
        )
        through, lapsed, gated, *users = raw
        return Offers(
            tuple(UUID(cast(bytes, u).decode()) for u in users),
            int(through),
            int(gated) == 1,
            int(lapsed),
        )

    @unavailable_as_domain
    async def join(
        self, event_id: UUID, ticket_type_id: UUID, user_id: UUID, keep_until: datetime
    ) -> Offers:
        keep_until_s = int(keep_until.timestamp())
        # Indexed first: a gated list gated() cannot find would let buyers book around it.
        await self._redis.hset(self._lists, str(ticket_type_id), keep_until_s)
        return await self._run(ticket_type_id, "join", str(user_id), str(event_id), keep_until_s)

    @unavailable_as_domain
    async def place(self, ticket_type_id: UUID, user_id: UUID) -> ListPlace | None:
        line, offers, states, _ = self._keys(ticket_type_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hget(states, str(user_id))
            pipe.zrank(line, str(user_id))
            pipe.zscore(offers, str(user_id))
            state, rank, expires = await pipe.execute()
        if state is None:
            return None
        return ListPlace(
            ListState(state.decode()),
            None if rank is None else int(rank) + 1,
            None if expires is None else _EPOCH + timedelta(microseconds=int(expires)),
        )

    @unavailable_as_domain
    async def offer(
        self, ticket_type_id: UUID, count: int, spare: Spare, expires_at: datetime
    ) -> Offers:
        return await self._run(
            ticket_type_id, "offer", count, spare.remaining, spare.bought, _us(expires_at)
        )

    @unavailable_as_domain
    async def lapse(self, ticket_type_id: UUID, now: datetime, expires_at: datetime) -> Offers:
        return await self._run(ticket_type_id, "lapse", _us(now), _us(expires_at))

    @unavailable_as_domain
    async def leave(self, ticket_type_id: UUID, user_id: UUID, expires_at: datetime) -> Offers:
        return await self._run(ticket_type_id, "leave", str(user_id), _us(expires_at))

    @unavailable_as_domain
    async def use(self, ticket_type_id: UUID, user_id: UUID, now: datetime) -> bool:
        used = await self._script(
            keys=self._keys(ticket_type_id),
            args=["use", str(user_id), _us(now)],
        )
        return int(used) == 1

    @unavailable_as_domain
    async def counts(self, ticket_type_id: UUID) -> ListCounts | None:
        line, offers, _, counters = self._keys(ticket_type_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zcard(line)
            pipe.zcard(offers)
            pipe.hgetall(counters)
            waiting, offered, raw = await pipe.execute()
        fields = cast(dict[bytes, bytes], raw)
        if b"event" not in fields:
            return None
        return ListCounts(
            UUID(fields[b"event"].decode()),
            ticket_type_id,
            int(waiting),
            int(offered),
            int(fields.get(b"bought", 0)),
            int(fields.get(b"lapsed", 0)),
        )

    @unavailable_as_domain
    async def gated(self) -> dict[UUID, UUID]:
        listed = cast(dict[bytes, bytes], await self._redis.hgetall(self._lists))
        now_s = datetime.now(UTC).timestamp()
        gone = [tt for tt, keep_until in listed.items() if int(keep_until) < now_s]
        if gone:  # its keys expired with it
            await self._redis.hdel(self._lists, *gone)
        alive = [UUID(tt.decode()) for tt in listed if tt not in gone]
        async with self._redis.pipeline(transaction=False) as pipe:
            for tt in alive:
                *_, counters = self._keys(tt)
                pipe.hmget(counters, ["event", "gated"])
            rows = cast(list[list[bytes | None]], await pipe.execute())
        return {
            tt: UUID(event.decode())
            for tt, (event, gated) in zip(alive, rows, strict=True)
            if event is not None and gated == b"1"
        }
