"""Stock, holds, per-user counts and idempotency keys in Redis, for the full stack.

Every check-and-write is one Lua script (``redis_scripts/``), so it is atomic across API
processes just as ``MemoryStockStore`` is on one event loop, and it must behave exactly
like it. All keys of a ticket type share the hash tag ``{<ticket type id>}``, so each
script touches one cluster slot (``bolt`` is the default namespace):

- ``bolt:{tt}:stock``   hash: remaining, version, event_id, per_user_limit, opens_at_us,
  closes_at_us. Its absence means "unknown": nothing is admitted until it is loaded.
- ``bolt:{tt}:users``   hash: user id -> tickets held or confirmed.
- ``bolt:{tt}:fingerprints`` hash: booking id -> request fingerprint, for requests with an
  Idempotency-Key; ``bolt:{tt}:fingerprints_at`` zset: booking id -> when it was recorded,
  to drop it after 48 h (hash fields cannot expire before Redis 7.4).
- ``bolt:{tt}:holds``   hash: booking id -> ``<quantity>:<encoded request>``.
- ``bolt:{tt}:sent``    zset: booking id -> last time the hold was sent, in µs.

Outside the tag: ``bolt:hold:<booking id>`` -> ticket type id (so a hold is found by its
booking id alone) and the set ``bolt:ticket-types`` (what the sweeper walks). Redis must
run with ``maxmemory-policy noeviction``: an evicted key would silently lose stock or holds.

**``single_node``** (the default, ``True``): on one Redis a booking is one round trip. The
reservation script checks and writes the hold index as well, the reservations admitted in
the same event-loop tick go in one ``reserve_many`` call for the whole group (each still
atomic, answered in order), and one ``settle`` call clears the holds of every ticket type
with their indexes and returns the new stock. On a Redis Cluster the index lies in another
slot than the ticket type's keys, so ``single_node=False`` keeps the multi-step path: GET
the index (for a request with an Idempotency-Key), ``reserve`` per request, SET the index;
``settle`` per ticket type, then DEL the indexes.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, NamedTuple, ParamSpec, TypeVar, cast
from uuid import UUID, uuid4

import redis.asyncio as aioredis
import structlog
from opentelemetry.trace import SpanKind
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bolttickets.adapters.redis_autopipeline import AutoPipeline
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.domain.errors import StockUnavailable, Unavailable
from bolttickets.domain.requests import BookingRequest
from bolttickets.observability import metrics
from bolttickets.observability.tracing import child_span
from bolttickets.services.messages import decode_request, encode_request
from bolttickets.services.ports import Admission, HoldSnapshot, Inventory, Settlement, StockLoad
from bolttickets.services.tick_batch import TickBatch

log = structlog.get_logger("bolttickets.redis")

# The draft's minimum is 24 h; twice that leaves room for a retry that comes in late.
KEY_LIFETIME = timedelta(hours=48)
# A hold's index only has to outlive its hold, which the worker settles within seconds.
HOLD_INDEX_LIFETIME = timedelta(days=1)
# Entries per script call when loading: each call blocks Redis for a few milliseconds at most.
LOAD_CHUNK = 2000
# Reservations per reserve_many call: about a millisecond of Redis's time at most.
RESERVE_BATCH = 128

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ADMISSIONS = {a.value.encode(): a for a in Admission} | {b"duplicate-held": Admission.DUPLICATE}
# A duplicate whose hold is still there re-writes the index, in case the connection dropped
# between the reservation and its index: the retry then finds its pending booking.
INDEXED = frozenset({b"reserved", b"duplicate-held"})
RESERVE_SPAN_ATTRIBUTES = {"db.system.name": "redis", "db.operation.name": "EVALSHA"}

Entries = list[str | int | bytes]
P = ParamSpec("P")
R = TypeVar("R")


def unavailable_as(
    error: type[Unavailable],
) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Redis not answering (down, a timeout, out of memory, no free connection) is the port's
    ``error``: the caller answers 503 and retries, whatever the client library."""

    def decorate(
        method: Callable[P, Coroutine[Any, Any, R]],
    ) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(method)
        async def translated(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return await method(*args, **kwargs)
            except RedisError as exc:
                raise error(f"Redis did not answer: {exc}") from exc
            except RuntimeError as exc:
                if not _closed_under_us(exc):
                    raise
                raise error(f"Redis closed the connection: {exc}") from exc

        return translated

    return decorate


unavailable_as_domain = unavailable_as(StockUnavailable)


def _closed_under_us(exc: RuntimeError) -> bool:
    """uvloop's transport raises a RuntimeError, not an OSError that redis-py would wrap, when
    Redis closes a connection the client is still setting up (Redis restarting): the chaos
    run saw it answered 500 on POST and GET. It is Redis not answering all the same."""
    return "handler is closed" in str(exc)


_RETRIED = [RedisConnectionError, RedisTimeoutError]


def _retry() -> Retry:
    return Retry(ExponentialBackoff(cap=0.5, base=0.01), retries=3)


async def connect_redis(
    url: str, max_connections: int = 128, *, cluster: bool = False
) -> RedisClient:
    """A client for ``url``, checked with a PING so a wrong address fails at start-up.

    In a rush, callers beyond ``max_connections`` wait for a free connection rather than
    fail: a burst of buyers must queue up, not be refused. With ``cluster``, ``url`` is any
    node of a Redis Cluster, the client finds the others, and ``max_connections`` is per
    node; redis-py's cluster client has no blocking pool, so a caller beyond it is refused
    (503) instead of waiting.
    """
    client: RedisClient
    if cluster:
        client = aioredis.RedisCluster.from_url(
            url,
            max_connections=max_connections,
            socket_keepalive=True,
            retry=_retry(),
            retry_on_error=_RETRIED,
        )
        await client.initialize()
    else:
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=10,
            socket_keepalive=True,
            # After a Redis restart every pooled connection is dead: each is reconnected
            # and the command sent again, instead of failing one request per stale
            # connection.
            retry=_retry(),
            retry_on_error=_RETRIED,
        )
        client = aioredis.Redis(connection_pool=pool, decode_responses=False)
    await client.ping()
    return client


# Replies are bytes (decode_responses=False); redis-py's types also allow str, hence the
# casts where replies are read.


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def encode_hold(request: BookingRequest) -> bytes:
    return b"%d:%s" % (request.quantity, encode_request(request))


def decode_hold(hold: bytes) -> BookingRequest:
    return decode_request(hold.partition(b":")[2])


class StockKeys(NamedTuple):
    stock: str
    users: str
    fingerprints: str
    fingerprints_at: str
    holds: str
    sent: str

    @classmethod
    def of(cls, prefix: str) -> StockKeys:
        return cls(*(f"{prefix}:{part}" for part in cls._fields))


KEY_LIFETIME_US = KEY_LIFETIME // timedelta(microseconds=1)
HOLD_INDEX_LIFETIME_S = HOLD_INDEX_LIFETIME // timedelta(seconds=1)


class RedisStockStore:
    def __init__(
        self, client: RedisClient, namespace: str = "bolt", *, single_node: bool = True
    ) -> None:
        """``namespace`` prefixes every key, so several stores can share one database;
        ``single_node=False`` for a Redis Cluster (see the module's docstring)."""
        self._redis = client
        self._hot = AutoPipeline(client)
        self._ns = namespace
        self._single_node = single_node
        self._ticket_types = f"{namespace}:ticket-types"
        self._key_names: dict[UUID, StockKeys] = {}
        self._scripts = register_scripts(
            client,
            (
                "reserve",
                "reserve_many",
                "stage",
                "load",
                "settle",
                "release",
                "claim",
                "snapshot",
                "cas",
            ),
        )
        self._reservations: TickBatch[BookingRequest, bytes] = TickBatch(
            self._reserve_many, RESERVE_BATCH
        )

    async def start(self) -> None:
        """Load the scripts up front and warn when Redis may evict keys."""
        await prepare(self._redis, self._scripts.values())

    def _keys(self, ticket_type_id: UUID) -> StockKeys:
        keys = self._key_names.get(ticket_type_id)
        if keys is None:  # built once per ticket type: the reservation asks on every call
            keys = self._key_names[ticket_type_id] = StockKeys.of(
                f"{self._ns}:{{{ticket_type_id}}}"
            )
        return keys

    def _index(self, booking_id: UUID) -> str:
        return f"{self._ns}:hold:{booking_id}"

    @metrics.timed(metrics.RESERVATION_SECONDS)
    @unavailable_as_domain
    async def reserve(self, request: BookingRequest) -> Admission:
        return await traced_reservation(self._reserve, request)

    async def _reserve(self, request: BookingRequest) -> Admission:
        if self._single_node:
            return ADMISSIONS[await self._reservations.submit(request)]
        if request.idempotency_key is not None:
            # A key belongs to its user, not to a ticket type: the same key's hold on another
            # ticket type is a reuse. The index is outside the ticket type's slot, so this
            # is read before the script (as MemoryStockStore.reserve does); the worker
            # gives back a hold that slips past it (apply_batch compares fingerprints).
            held_on = cast(
                bytes | None, await self._hot.execute("GET", self._index(request.booking_id))
            )
            if held_on is not None and held_on.decode() != str(request.ticket_type_id):
                return Admission.KEY_REUSED
        script = self._scripts["reserve"]
        outcome: bytes = await self._hot.evalsha(
            script.sha,
            script.script,
            self._keys(request.ticket_type_id),
            [*reserve_args(request), KEY_LIFETIME_US],
        )
        if outcome in INDEXED:
            await self._hot.execute(
                "SET",
                self._index(request.booking_id),
                str(request.ticket_type_id),
                "EX",
                HOLD_INDEX_LIFETIME_S,
            )
        return ADMISSIONS[outcome]

    async def _reserve_many(self, requests: list[BookingRequest]) -> list[bytes]:
        positions: dict[UUID, int] = {}
        keys: list[str] = []
        args: Entries = []
        for request in requests:
            tt = request.ticket_type_id
            position = positions.get(tt)
            if position is None:
                position = positions[tt] = len(positions)
                keys += self._keys(tt)
            args.append(position)
            args += reserve_args(request)
        keys += [self._index(request.booking_id) for request in requests]
        script = self._scripts["reserve_many"]
        outcomes: list[bytes] = await self._hot.evalsha(
            script.sha,
            script.script,
            keys,
            [len(positions), KEY_LIFETIME_US, HOLD_INDEX_LIFETIME_S, *args],
        )
        return outcomes

    @unavailable_as_domain
    async def load(self, stock: StockLoad, *, replace: bool = False) -> bool:
        tt = stock.ticket_type_id
        await register_load(self._redis, self._ns, stock)
        return await install(
            self._scripts, f"{self._ns}:{{{tt}}}", stock, replace=replace, load_id=""
        )

    @unavailable_as_domain
    async def get_hold(self, booking_id: UUID) -> BookingRequest | None:
        tt = cast(bytes | None, await self._redis.get(self._index(booking_id)))
        if tt is None:
            return None
        hold = cast(
            bytes | None,
            await self._redis.hget(self._keys(UUID(tt.decode())).holds, str(booking_id)),
        )
        return None if hold is None else decode_hold(hold)

    @unavailable_as_domain
    async def surviving_holds(self, ticket_type_id: UUID) -> list[BookingRequest]:
        keys = self._keys(ticket_type_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.exists(keys.stock)
            pipe.hvals(keys.holds)
            loaded, holds = await pipe.execute()
        return [] if loaded else [decode_hold(hold) for hold in holds]

    @unavailable_as_domain
    async def settle(self, settlements: Sequence[Settlement]) -> dict[UUID, Inventory]:
        by_type: defaultdict[UUID, list[Settlement]] = defaultdict(list)
        for settlement in settlements:
            by_type[settlement.request.ticket_type_id].append(settlement)
        if not by_type:
            return {}
        if self._single_node:
            reply = await self._settle_call(list(by_type.items()), with_indexes=True)
            return inventory_of(list(by_type), reply[1])
        # One call per ticket type, each in its own slot.
        replies: list[list[Any]] = await asyncio.gather(
            *(self._settle_call([group], with_indexes=False) for group in by_type.items())
        )
        cleared = [
            self._index(s.request.booking_id)
            for group, (flags, _) in zip(by_type.values(), replies, strict=True)
            for s, flag in zip(group, flags, strict=True)
            if flag
        ]
        if cleared:
            # One DEL per key: a multi-key DEL would cross cluster slots.
            async with self._redis.pipeline(transaction=False) as pipe:
                for index in cleared:
                    pipe.delete(index)
                await pipe.execute()
        return inventory_of(list(by_type), [rows[0] for _, rows in replies])

    async def _settle_call(
        self,
        groups: list[tuple[UUID, list[Settlement]]],
        *,
        with_indexes: bool,
    ) -> Any:
        keys: list[str] = []
        args: Entries = ["1" if with_indexes else "0", len(groups)]
        for position, (tt, group) in enumerate(groups):
            k = self._keys(tt)
            keys += [k.stock, k.users, k.holds, k.sent]
            for s in group:
                r = s.request
                args += [position, str(r.booking_id), str(r.user_id), r.quantity, int(s.confirmed)]
        if with_indexes:
            keys += [self._index(s.request.booking_id) for _, group in groups for s in group]
        # Through the auto-pipeline: a cluster's pipeline refuses script objects (its
        # evalsha method is blocked), and it runs a script Redis forgot from its text.
        script = self._scripts["settle"]
        return await self._hot.evalsha(script.sha, script.script, keys, args)

    @unavailable_as_domain
    async def release(self, ticket_type_id: UUID, user_id: UUID, quantity: int) -> None:
        keys = self._keys(ticket_type_id)
        await self._scripts["release"](keys=[keys.stock, keys.users], args=[str(user_id), quantity])

    @unavailable_as_domain
    async def inventory(self, ticket_type_ids: Sequence[UUID]) -> dict[UUID, Inventory]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for tt in ticket_type_ids:
                pipe.hmget(self._keys(tt).stock, ["remaining", "version"])
            rows: list[list[bytes | None]] = await pipe.execute()
        return inventory_of(ticket_type_ids, rows)

    @unavailable_as_domain
    async def ticket_types(self) -> list[UUID]:
        members = cast(set[bytes], await self._redis.smembers(self._ticket_types))
        return [UUID(raw.decode()) for raw in members]

    @unavailable_as_domain
    async def claim_stale_holds(
        self, older_than: datetime, now: datetime, limit: int, ticket_type_ids: Sequence[UUID]
    ) -> list[BookingRequest]:
        units = [self._keys(tt) for tt in ticket_type_ids]
        return await claim_stale(
            self._redis, self._hot, self._scripts["claim"], units, older_than, now, limit
        )

    @unavailable_as_domain
    async def hold_snapshot(self, ticket_type_id: UUID) -> HoldSnapshot | None:
        keys = self._keys(ticket_type_id)
        reply: list[bytes] | None = await self._scripts["snapshot"](
            keys=[keys.stock, keys.holds, keys.sent]
        )
        return None if reply is None else parse_snapshot(reply)

    @unavailable_as_domain
    async def compare_and_set(self, ticket_type_id: UUID, version: int, remaining: int) -> bool:
        matched = await self._scripts["cas"](
            keys=[self._keys(ticket_type_id).stock], args=[version, remaining]
        )
        return bool(matched)


async def prepare(client: RedisClient, scripts: Iterable[AsyncScript]) -> None:
    """Load the scripts up front and warn when Redis may evict keys."""
    for script in scripts:
        await client.script_load(script.script)
    try:
        config = await client.config_get("maxmemory-policy")
    except ResponseError as exc:  # managed Redis services often forbid CONFIG
        log.warning("redis.policy_unknown", error=str(exc))
        return
    policy = config.get("maxmemory-policy")
    if policy != "noeviction":
        log.warning(
            "redis.evicts_keys",
            maxmemory_policy=policy,
            hint="run Redis with maxmemory-policy noeviction, or stock and holds may vanish",
        )


def register_scripts(client: RedisClient, names: Iterable[str]) -> dict[str, AsyncScript]:
    """The stock scripts named, each with lib.lua prepended."""
    lib = script_text("lib")
    return {name: client.register_script(lib + script_text(name)) for name in names}


async def register_load(client: RedisClient, namespace: str, stock: StockLoad) -> None:
    """Registers the ticket type and its loaded holds' indexes before the stock appears, so
    the sweeper and get_hold never miss it."""
    tt = stock.ticket_type_id
    async with client.pipeline(transaction=False) as pipe:
        pipe.sadd(f"{namespace}:ticket-types", str(tt))
        for hold in stock.holds:
            pipe.set(f"{namespace}:hold:{hold.booking_id}", str(tt), ex=HOLD_INDEX_LIFETIME)
        await pipe.execute()


async def install(
    scripts: Mapping[str, AsyncScript],
    prefix: str,
    stock: StockLoad,
    *,
    replace: bool,
    load_id: str,
) -> bool:
    """Installs ``stock`` under the keys of ``prefix`` (one hash tag). Parts that do not fit
    in one call are staged under keys of this load alone, and the last call moves them in
    with the stock hash, atomically. ``load_id`` names the load in the stock hash ('' for
    none): sub-stocks only take tickets lent by a sub-stock of the same load."""
    keys = StockKeys.of(prefix)
    staged = StockKeys.of(f"{prefix}:load:{uuid4().hex}")[1:]
    *parts, last = load_chunks(stock, LOAD_CHUNK)
    for part in parts:
        await scripts["stage"](keys=staged, args=part)
    installed = await scripts["load"](
        keys=[*keys, *staged],
        args=[
            "1" if replace else "0",
            str(stock.event_id),
            stock.remaining,
            "" if stock.per_user_limit is None else stock.per_user_limit,
            "" if stock.sale_opens_at is None else micros(stock.sale_opens_at),
            micros(stock.sale_closes_at),
            load_id,
            *last,
        ],
    )
    return bool(installed)


async def claim_stale(
    client: RedisClient,
    hot: AutoPipeline,
    script: AsyncScript,
    units: Sequence[StockKeys],
    older_than: datetime,
    now: datetime,
    limit: int,
) -> list[BookingRequest]:
    """claim_stale_holds over these key sets (one per ticket type, or per sub-stock). Counts
    first, so that no more than ``limit`` holds are marked as sent: a hold marked but not
    returned would wait another round for nothing."""
    older_us = micros(older_than)
    async with client.pipeline(transaction=False) as pipe:
        for keys in units:
            pipe.zcount(keys.sent, "-inf", f"({older_us}")
        counts: list[int] = await pipe.execute()
    quotas: list[tuple[StockKeys, int]] = []
    left = limit
    for keys, count in zip(units, counts, strict=True):
        if count and left > 0:
            quotas.append((keys, min(count, left)))
            left -= quotas[-1][1]
    now_us = micros(now)
    calls = [
        hot.evalsha(
            script.sha,
            script.script,
            [keys.stock, keys.holds, keys.sent],
            [older_us, now_us, quota],
        )
        for keys, quota in quotas
    ]
    claimed: list[list[bytes | None]] = await asyncio.gather(*calls)
    return [decode_hold(hold) for holds in claimed for hold in holds if hold]


def parse_snapshot(reply: list[bytes]) -> HoldSnapshot:
    """snapshot.lua's reply of a loaded stock."""
    version, remaining, oldest_us, *pairs = reply
    holds = {UUID(b.decode()): int(q) for b, q in zip(pairs[::2], pairs[1::2], strict=True)}
    oldest = EPOCH + timedelta(microseconds=int(float(oldest_us))) if oldest_us else None
    return HoldSnapshot(int(version), holds, int(remaining), oldest)


async def traced_reservation(
    reserve: Callable[[BookingRequest], Awaitable[Admission]], request: BookingRequest
) -> Admission:
    """``reserve(request)`` in its client span, which records the admission."""
    with child_span(
        "reserve stock", kind=SpanKind.CLIENT, attributes=RESERVE_SPAN_ATTRIBUTES
    ) as span:
        admission = await reserve(request)
        span.set_attribute("bolttickets.admission", admission.value)
        return admission


def script_text(name: str) -> str:
    return resources.files(__package__).joinpath(f"redis_scripts/{name}.lua").read_text()


def reserve_args(request: BookingRequest) -> Entries:
    """A request's arguments to reserve_one (lib.lua), lifetimes aside."""
    return [
        str(request.ticket_type_id),
        str(request.booking_id),
        str(request.user_id),
        request.quantity,
        request.fingerprint if request.idempotency_key is not None else "",
        encode_hold(request),
    ]


def inventory_of(
    ticket_type_ids: Sequence[UUID], rows: Sequence[Sequence[bytes | None] | None]
) -> dict[UUID, Inventory]:
    """The loaded ones of these ticket types, from (remaining, version) rows of their stock
    hashes (None or Nones for an unloaded one)."""
    return {
        tt: Inventory(tt, int(row[0]), int(row[1]))
        for tt, row in zip(ticket_type_ids, rows, strict=True)
        if row and row[0] is not None and row[1] is not None
    }


def load_chunks(stock: StockLoad, size: int) -> Iterator[Entries]:
    """The load's buyers, keys and holds as write_entries arguments, ``size`` entries a call;
    always at least one (possibly empty) call."""
    tagged: list[tuple[int, Entries]] = []
    for user, count in stock.per_user.items():
        tagged.append((0, [str(user), count]))
    for booking, fp in stock.keyed_bookings.items():
        tagged.append((1, [str(booking), fp]))
    for hold in stock.holds:
        tagged.append((2, [str(hold.booking_id), encode_hold(hold), micros(hold.created_at)]))
    for start in range(0, max(len(tagged), 1), size):
        part = tagged[start : start + size]
        args: Entries = [sum(1 for kind, _ in part if kind == k) for k in range(3)]
        for _, entry in part:
            args += entry
        yield args
