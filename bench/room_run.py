"""The waiting-room benchmark: one room of 100,000 buyers on the full stack.

The fan-out subscribers (``bench.fanout_subscribers``) subscribe to the event first, before
its room opens. Then buyers join through the waiting-room service on the real Redis store,
as the API's ``join`` does once it has authenticated the request; the last ones join over
HTTP through the load generator, which shows what the API adds. Redis's memory is read
before and after the service's joins. Then the subscribers time the room's real ticks:
each ``waiting_room`` frame from its arrival at the bench's own subscriber of the
backplane (the tick's publish, as every API process receives it) to its arrival at every
subscriber. Last, the room's tickets are bought by the first admitted buyers with their
passes, and the time from the last ticket's confirmation to every subscriber's
``sold_out`` frame is measured. The four invariants of the sale and the room's (one place
per buyer, numbers 1…N) are checked after.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import SecretStr
from rich.progress import Progress

from bench.database import buyer_tokens, insert_buyers
from bench.fanout_run import (
    FanoutConfig,
    Subscribers,
    calibrate,
    raise_open_file_limit,
    running_on,
    summarise,
)
from bench.fanout_subscribers import SOLD_OUT, room_key
from bench.loadgen import Spec
from bench.processes import Cores
from bench.system import Mode, Services, System, TicketType, run_loadgen, settled_failures, started
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_pubsub import RedisPubSub
from bolttickets.adapters.redis_stock import connect_redis
from bolttickets.adapters.redis_waiting_room import RedisWaitingRoomStore
from bolttickets.adapters.sqlalchemy.tables import bookings
from bolttickets.config import Settings
from bolttickets.domain.model import Role
from bolttickets.services.accounts import Actor
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.clock import SystemClock
from bolttickets.services.waiting_room import ROOMS_CHANNEL, WaitingRooms

_PROGRESS_EVERY = 1_000
_BOOKINGS_IN_FLIGHT = 8


@dataclass(frozen=True)
class RoomConfig:
    buyers: int = 100_000
    http_joins: int = 2_000
    """Of the buyers, how many (the last) join over HTTP instead of through the service."""
    subscribers: int = 10_000
    processes: int = 8
    wave: int = 100
    ticks: int = 10
    """"Now serving" ticks timed at every subscriber."""
    capacity: int = 100
    admit_per_minute: int = 1_200
    in_flight: int = 64
    """Joins in flight at once, through the service and over HTTP."""
    deliver_timeout: float = 60.0
    drain_timeout: float = 120.0
    calibration_seconds: float = 2.0

    @property
    def service_joins(self) -> int:
        return self.buyers - self.http_joins


@dataclass
class RoomResult:
    config: RoomConfig
    cores: str
    event_id: str = ""
    calibration: dict[str, dict[str, float]] = field(default_factory=dict)
    join_seconds: float = 0.0
    http: dict[str, Any] = field(default_factory=dict)
    """The load generator's result for the HTTP joins."""
    redis_used_memory: dict[str, int] = field(default_factory=dict)
    room_key_bytes: dict[str, int] = field(default_factory=dict)
    """``MEMORY USAGE`` of each of the room's keys once everyone joined."""
    connected: int = 0
    failed: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    tick_latencies_ms: list[list[float]] = field(default_factory=list)
    """Per tick, one latency per subscriber that received it."""
    sold_out_ms: list[float] = field(default_factory=list)
    """Per subscriber: the last ticket's confirmation → its ``sold_out`` frame."""
    sold_out_from_accepted_ms: list[float] = field(default_factory=list)
    """Per subscriber: the last ticket's 202 (its stock is 0 from then) → ``sold_out``."""
    last_accepted_at: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def joins_per_s(self) -> float:
        return self.config.service_joins / self.join_seconds if self.join_seconds else 0.0

    @property
    def bytes_per_buyer(self) -> float:
        grown = self.redis_used_memory["joined"] - self.redis_used_memory["before"]
        return grown / self.config.service_joins

    @property
    def places_bytes_per_buyer(self) -> float:
        places = next((v for k, v in self.room_key_bytes.items() if k.endswith(":places")), 0)
        return places / self.config.service_joins

    def all_tick_latencies(self) -> list[float]:
        return sorted(ms for tick in self.tick_latencies_ms for ms in tick)

    def to_json(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config),
            "cores": self.cores,
            "event_id": self.event_id,
            "calibration": self.calibration,
            "joins": {
                "through_service": self.config.service_joins,
                "seconds": round(self.join_seconds, 3),
                "per_s": round(self.joins_per_s, 1),
            },
            "http_joins": self.http,
            "redis_used_memory": self.redis_used_memory,
            "room_key_bytes": self.room_key_bytes,
            "bytes_per_buyer": round(self.bytes_per_buyer, 1),
            "connected": self.connected,
            "failed": self.failed,
            "dropped": self.dropped,
            "errors": self.errors,
            "now_serving_ms": summarise(self.all_tick_latencies()),
            "per_tick": [summarise(sorted(tick)) for tick in self.tick_latencies_ms],
            "sold_out_ms": summarise(sorted(self.sold_out_ms)),
            "sold_out_from_accepted_ms": summarise(sorted(self.sold_out_from_accepted_ms)),
            "sold_out_delivered": len(self.sold_out_ms),
            "invariants": {"passed": not self.failures, "failures": self.failures},
        }


class _Ticks:
    """The room's frames as the backplane carries them: when each key was first seen."""

    def __init__(self, event_id: str) -> None:
        self.event_id = event_id
        self.seen: dict[int, float] = {}
        self.new: asyncio.Queue[int] = asyncio.Queue()

    async def follow(self, pubsub: RedisPubSub) -> None:
        subscription = await pubsub.subscribe(ROOMS_CHANNEL)
        try:
            async for message in subscription:
                at = time.monotonic()
                frame = orjson.loads(message)
                key = room_key(frame)
                if frame.get("event_id") == self.event_id and key is not None:
                    if key not in self.seen:
                        self.seen[key] = at
                        self.new.put_nowait(key)
        finally:
            await subscription.close()


async def run_room(
    config: RoomConfig, services: Services, progress: Progress, workdir: Path
) -> RoomResult:
    cores = Cores.split()
    result = RoomResult(config, cores.describe())
    raise_open_file_limit()
    seconds = config.calibration_seconds
    with running_on(cores.client):
        result.calibration["start"] = await calibrate("start", seconds, services, progress)
        client = await connect_redis(services.redis_url, max_connections=config.in_flight + 8)
        event_id = None
        try:
            async with started(Mode.STACK, services, cores, workdir, workers=1) as system:
                admin = await system.admin_token()
                tt = await system.create_ticket_type(admin, "Waiting room", config.capacity)
                event_id = result.event_id = tt.event_id
                await _measure(system, tt, client, config, cores, progress, result)
        finally:
            # Once the processes stopped: a tick would write the room's counters again.
            if event_id is not None:
                await _forget_room(client, event_id)
            await client.aclose()
        result.calibration["end"] = await calibrate("end", seconds, services, progress)
    return result


async def _open_room(system: System, tt: TicketType, config: RoomConfig) -> None:
    """The room of ``tt``'s event, open since a minute on a sale open now: every join is
    numbered in arrival order (a lottery of an empty pre-queue), and admission runs from
    the start."""
    response = await system.http.put(
        f"/api/events/{tt.event_id}/waiting-room",
        json={
            "opens_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "admit_per_minute": config.admit_per_minute,
            "pass_ttl_seconds": 3600,
        },
        headers={"Authorization": f"Bearer {await system.admin_token()}"},
    )
    response.raise_for_status()


async def _measure(
    system: System,
    tt: TicketType,
    client: RedisClient,
    config: RoomConfig,
    cores: Cores,
    progress: Progress,
    result: RoomResult,
) -> None:
    ids = await insert_buyers(system.database_url, config.buyers)
    ticks = _Ticks(tt.event_id)
    follower = asyncio.create_task(ticks.follow(RedisPubSub(client)))
    load = Subscribers(system.workdir, cores.client)
    try:
        # Subscribed before the room opens: once it is open, every subscriber gets a frame
        # every tick, which would slow the handshakes still to come.
        await _subscribe(system, tt, load, config, progress, result)
        await _open_room(system, tt, config)
        numbers = await _join_through_service(
            system, tt, client, ids[: config.service_joins], progress, result
        )
        result.room_key_bytes = await _room_key_bytes(client, tt.event_id)
        await _join_over_http(system, tt, ids[config.service_joins :], cores, progress, result)
        await _check_places(client, tt, config, numbers, result)

        first = sorted(numbers, key=numbers.__getitem__)[: config.capacity]
        tokens = dict(zip(first, buyer_tokens(system.secret, first), strict=True))
        await _until_admitted(client, tt, config.capacity)
        booked = await _book(system, tt, [tokens[b] for b in first[:-1]], result)
        measured = await _time_ticks(ticks, load, config, progress)
        booked += await _book(system, tt, [tokens[first[-1]]], result)
        result.last_accepted_at = time.monotonic()
        failures = await settled_failures(
            system, tt, "waiting room", booked, config.capacity, config.drain_timeout
        )
        result.failures += failures
        confirmed_at = await _last_confirmation(system, tt)
        if not await load.until(load.everyone_got(SOLD_OUT), config.deliver_timeout):
            result.failures.append("not every subscriber got sold_out in time")
        _gather(await load.collect(), ticks.seen, measured, confirmed_at, result)
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await load.stop()
    if len(result.sold_out_ms) != result.connected:
        result.failures.append(
            f"{len(result.sold_out_ms)} of {result.connected} subscribers got sold_out"
        )


async def _join_through_service(
    system: System,
    tt: TicketType,
    client: RedisClient,
    ids: list[uuid.UUID],
    progress: Progress,
    result: RoomResult,
) -> dict[uuid.UUID, int]:
    """Each buyer joins once, ``in_flight`` at a time, through ``WaitingRooms.join``: what
    the API's handler calls, on the same store, key layout and scripts."""
    key = Settings.model_construct(jwt_secret=SecretStr(system.secret)).admission_pass_key
    store = RedisWaitingRoomStore(client)
    await store.start()
    rooms = WaitingRooms(
        system.db.unit_of_work,
        store,
        RedisPubSub(client),
        AdmissionPasses(key),
        SystemClock(),
    )
    await rooms.refresh()
    event_id = uuid.UUID(tt.event_id)
    numbers: dict[uuid.UUID, int] = {}
    pending = iter(ids)
    task = progress.add_task("Joining (service)", total=len(ids))

    async def joiner() -> None:
        for user_id in pending:  # one iterator shared by every joiner: each buyer once
            place = await rooms.join(Actor(user_id, Role.CUSTOMER), event_id)
            assert place.number is not None, "a join after the start is numbered"
            numbers[user_id] = place.number
            if len(numbers) % _PROGRESS_EVERY == 0:
                progress.update(task, completed=len(numbers))

    # Every connection the joiners will use is opened first: their buffers are not buyers'.
    await asyncio.gather(*(client.ping() for _ in range(result.config.in_flight)))
    result.redis_used_memory["before"] = await _used_memory(client)
    started_at = time.monotonic()
    await asyncio.gather(*(joiner() for _ in range(result.config.in_flight)))
    result.join_seconds = time.monotonic() - started_at
    result.redis_used_memory["joined"] = await _used_memory(client)
    progress.update(task, completed=len(ids))
    return numbers


async def _used_memory(client: RedisClient) -> int:
    return int((await client.info("memory"))["used_memory"])


def _room_pattern(event_id: str) -> str:
    return f"bolt:room:{{{event_id}}}:*"


async def _room_key_bytes(client: RedisClient, event_id: str) -> dict[str, int]:
    found = {}
    async for key in client.scan_iter(match=_room_pattern(event_id)):
        found[key.decode()] = int(await client.memory_usage(key, samples=0) or 0)
    return found


async def _forget_room(client: RedisClient, event_id: str) -> None:
    """Redis runs with ``noeviction``: a bench's room must not outlive its run."""
    keys = [key async for key in client.scan_iter(match=_room_pattern(event_id))]
    if keys:
        await client.delete(*keys)


async def _join_over_http(
    system: System,
    tt: TicketType,
    ids: list[uuid.UUID],
    cores: Cores,
    progress: Progress,
    result: RoomResult,
) -> None:
    if not ids:
        return
    tokens_file = system.workdir / "http-joiners.txt"
    tokens_file.write_text("\n".join(buyer_tokens(system.secret, ids)))
    spec = Spec(
        port=system.port,
        path=f"/api/events/{tt.event_id}/waiting-room/join",
        body="{}",
        tokens_file=str(tokens_file),
        key_prefix="join",
        connections=result.config.in_flight,
        requests=len(ids),
    )
    task = progress.add_task("Joining (HTTP)", total=len(ids))
    found = await run_loadgen(
        spec,
        system.workdir / "join",
        cores.client,
        "joining over HTTP",
        lambda done: progress.update(task, completed=done),
    )
    result.http = {k: found[k] for k in ("statuses", "elapsed_s", "rate_per_s", "latency_ms")}
    if found["statuses"] != {"200": len(ids)}:
        result.failures.append(f"HTTP joins: answers other than 200: {found['statuses']}")


async def _check_places(
    client: RedisClient,
    tt: TicketType,
    config: RoomConfig,
    numbers: dict[uuid.UUID, int],
    result: RoomResult,
) -> None:
    """One place per buyer, and the places are exactly 1…N: none given twice, none lost."""
    store = RedisWaitingRoomStore(client)
    counters = await store.counters(uuid.UUID(tt.event_id))
    places = f"bolt:room:{{{tt.event_id}}}:places"
    given = sorted(int(n) for n in await client.hvals(places))
    if given != list(range(1, config.buyers + 1)) or counters.assigned != config.buyers:
        result.failures.append(
            f"room: {len(given)} places, {len(set(given))} distinct, {counters.assigned} "
            f"assigned, for {config.buyers} buyers"
        )
    if len(set(numbers.values())) != len(numbers):
        result.failures.append("room: two service joins were given the same number")


async def _until_admitted(client: RedisClient, tt: TicketType, count: int) -> None:
    """Until the room's ticks have admitted the first ``count`` places."""
    store = RedisWaitingRoomStore(client)
    async with asyncio.timeout(120):
        while True:
            if (await store.counters(uuid.UUID(tt.event_id))).now_serving >= count:
                return
            await asyncio.sleep(0.2)


async def _book(system: System, tt: TicketType, tokens: list[str], result: RoomResult) -> int:
    """Each admitted buyer asks for their pass (``…/me``) and books one ticket with it;
    how many were answered 202."""
    gate = asyncio.Semaphore(_BOOKINGS_IN_FLIGHT)

    async def book(token: str) -> int:
        auth = {"Authorization": f"Bearer {token}"}
        async with gate:
            me = await system.http.get(f"/api/events/{tt.event_id}/waiting-room/me", headers=auth)
            me.raise_for_status()
            response = await system.http.post(
                "/api/bookings",
                json={"ticket_type_id": tt.id, "quantity": 1},
                headers={**auth, "Admission-Pass": me.json()["pass"], "Idempotency-Key": "room"},
            )
        return response.status_code

    statuses = await asyncio.gather(*(book(token) for token in tokens))
    if others := [s for s in statuses if s != 202]:
        result.failures.append(f"bookings with a pass: answers other than 202: {others}")
    return statuses.count(202)


async def _subscribe(
    system: System,
    tt: TicketType,
    load: Subscribers,
    config: RoomConfig,
    progress: Progress,
    result: RoomResult,
) -> None:
    task = progress.add_task("Subscribing", total=config.subscribers)
    fanout = FanoutConfig(config.subscribers, config.processes, wave=config.wave)
    await load.start(system.ws_url, tt.event_id, fanout, kind="waiting_room")

    def tick() -> None:
        system.check_alive()
        progress.update(task, completed=sum(p.connected for p in load.processes))

    await load.until(lambda: all(p.ready is not None for p in load.processes), None, tick)
    for process in load.processes:
        assert process.ready is not None
        result.connected += process.ready["n"]
        result.failed += process.ready["failed"]
        result.errors.extend(process.ready["errors"])


async def _time_ticks(
    ticks: _Ticks, load: Subscribers, config: RoomConfig, progress: Progress
) -> list[int]:
    """The next ``config.ticks`` "now serving" frames once everyone is subscribed, each
    waited for at every subscriber; the keys timed."""
    while not ticks.new.empty():  # ticks of the joins: the last ones are timed
        ticks.new.get_nowait()
    task = progress.add_task("Now serving ticks", total=config.ticks)
    measured: list[int] = []
    while len(measured) < config.ticks:
        key = await asyncio.wait_for(ticks.new.get(), config.deliver_timeout)
        if key == SOLD_OUT:
            raise RuntimeError("the room sold out before its ticks were timed")
        if not await load.until(load.everyone_reached(key), config.deliver_timeout):
            raise RuntimeError(f"now serving {key} did not reach every subscriber in time")
        measured.append(key)
        progress.advance(task)
    return measured


async def _last_confirmation(system: System, tt: TicketType) -> float:
    """Unix time the worker confirmed the last ticket (set as it decides, just before its
    commit: the time measured from it is, if anything, a little long)."""
    async with system.db.reader.connect() as conn:
        at = (
            await conn.execute(
                sa.select(sa.func.max(bookings.c.updated_at)).where(
                    bookings.c.ticket_type_id == tt.uuid, bookings.c.status == "reserved"
                )
            )
        ).scalar_one()
    return float(at.timestamp())


def _gather(
    reports: list[dict[str, Any]],
    seen: dict[int, float],
    measured: list[int],
    confirmed_at: float,
    result: RoomResult,
) -> None:
    # Receive times are CLOCK_MONOTONIC; the confirmation is wall-clock time.
    wall = time.time() - time.monotonic()
    received: dict[int, list[float]] = {key: [] for key in measured}
    for found in reports:
        result.dropped += found["closed"]
        arrived = {int(raw_key): times for raw_key, times in found["received"].items()}
        for key in measured:
            # A tick the hub merged into a later one arrived with that one.
            first = min((k for k in arrived if k >= key), default=None)
            if first is not None:
                received[key].extend((at - seen[key]) * 1000 for at in arrived[first])
        for key, times in arrived.items():
            if key == SOLD_OUT:
                result.sold_out_ms.extend((at + wall - confirmed_at) * 1000 for at in times)
                result.sold_out_from_accepted_ms.extend(
                    (at - result.last_accepted_at) * 1000 for at in times
                )
    result.tick_latencies_ms = [received[key] for key in measured]
