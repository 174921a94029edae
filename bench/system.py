"""The system under test for one run: its own database, buyers, API and worker processes.

Never a server that was already running: the bench starts everything with settings it
chose (its own JWT secret, Kafka topic and consumer group), measures it, and stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
import websockets
from tests import postgres as admin

from bench import cleanup
from bench.loadgen import Spec
from bench.modes import Mode as Mode  # re-exported: the benchmarks take it here
from bench.processes import (
    BOLTTICKETS,
    Cores,
    Process,
    clean_environment,
    free_port,
    jwt_secret,
    pin,
    run_checked,
    wait_until_ready,
)
from bolttickets.adapters.redis_stock import RedisStockStore, connect_redis
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.tables import bookings, ticket_types

ADMIN_EMAIL = "bench-admin@bench.bolttickets.dev"
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Services:
    """Where the full stack's services are (``scripts/services env`` by default)."""

    postgres_admin_url: str
    redis_url: str
    kafka_bootstrap: str

    async def unreachable(self) -> list[str]:
        from bolttickets.adapters.kafka_queue import kafka_reachable

        problems = []
        try:
            await (await admin.pg_connect(self.postgres_admin_url)).close()
        except Exception as exc:
            problems.append(f"PostgreSQL at {self.postgres_admin_url}: {exc}")
        try:
            await (await connect_redis(self.redis_url)).aclose()
        except Exception as exc:
            problems.append(f"Redis at {self.redis_url}: {exc}")
        try:
            await kafka_reachable(self.kafka_bootstrap, timeout=5.0)
        except Exception as exc:
            problems.append(f"Kafka at {self.kafka_bootstrap}: {exc}")
        return problems


@dataclass
class System:
    mode: Mode
    workdir: Path
    env: dict[str, str]
    database_url: str
    api: Process
    workers: list[Process]
    secret: str
    services: Services | None
    http: httpx.AsyncClient = field(init=False)
    db: Database = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=30)
        self.db = Database(self.database_url)

    @property
    def port(self) -> int:
        return int(self.api.argv[-1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/realtime"

    def check_alive(self) -> None:
        for process in [self.api, *self.workers]:
            process.check_alive()

    async def admin_token(self) -> str:
        response = await self.http.post(
            "/api/auth/login",
            json={"email": ADMIN_EMAIL, "password": self.env["BOLT_ADMIN_PASSWORD"]},
        )
        response.raise_for_status()
        self.http.cookies.clear()
        return str(response.json()["access_token"])

    async def create_ticket_type(
        self,
        admin: str,
        name: str,
        capacity: int,
        *,
        per_user_limit: int | None = None,
        sale_opens_in: timedelta | None = None,
    ) -> TicketType:
        """One event with one ticket type; by default its sale is open now, with no per-buyer
        limit."""
        now = datetime.now(UTC)
        ticket_type: dict[str, object] = {"name": "General", "price_cents": 4500}
        ticket_type["capacity"] = capacity
        if per_user_limit is not None:
            ticket_type["per_user_limit"] = per_user_limit
        body: dict[str, object] = {
            "name": name,
            "venue": "Bench Arena",
            "starts_at": (now + timedelta(days=30)).isoformat(),
            "ticket_types": [ticket_type],
            # Nobody pays in a benchmark: its reservations must outlast the run.
            "payment_window_seconds": 3600,
        }
        if sale_opens_in is not None:
            body["sale_starts_at"] = (now + sale_opens_in).isoformat()
        response = await self.http.post(
            "/api/events", json=body, headers={"Authorization": f"Bearer {admin}"}
        )
        response.raise_for_status()
        event = response.json()
        return TicketType(event["id"], event["ticket_types"][0]["id"], capacity)

    async def status_counts(self, tt: TicketType) -> dict[str, int]:
        async with self.db.reader.connect() as conn:
            rows = await conn.execute(
                sa.select(bookings.c.status, sa.func.count())
                .where(bookings.c.ticket_type_id == tt.uuid)
                .group_by(bookings.c.status)
            )
            return {status: int(n) for status, n in rows}

    async def sold(self, tts: list[TicketType]) -> dict[str, int]:
        async with self.db.reader.connect() as conn:
            rows = await conn.execute(
                sa.select(ticket_types.c.id, ticket_types.c.sold).where(
                    ticket_types.c.id.in_([tt.uuid for tt in tts])
                )
            )
            return {str(i): int(s) for i, s in rows}

    async def distinct_keys(self, tt: TicketType) -> int:
        """Bookings of ``tt`` counted by (buyer, Idempotency-Key): equal to the rows when
        no request was booked twice."""
        async with self.db.reader.connect() as conn:
            keyed = (
                sa.select(bookings.c.user_id, bookings.c.idempotency_key)
                .where(bookings.c.ticket_type_id == tt.uuid)
                .distinct()
                .subquery()
            )
            return int(
                (await conn.execute(sa.select(sa.func.count()).select_from(keyed))).scalar_one()
            )

    async def api_remaining(self, tt: TicketType) -> int:
        response = await self.http.get(f"/api/events/{tt.event_id}")
        response.raise_for_status()
        return int(response.json()["ticket_types"][0]["remaining"])

    async def redis_remaining(self, tt: TicketType) -> int | None:
        if self.services is None:
            return None
        client = await connect_redis(self.services.redis_url, max_connections=2)
        try:
            found = await RedisStockStore(client).inventory([tt.uuid])
        finally:
            await client.aclose()
        return found[tt.uuid].remaining if tt.uuid in found else None

    async def stop(self) -> None:
        await self.http.aclose()
        await self.db.dispose()
        for process in [*self.workers, self.api]:
            process.stop()


@dataclass(frozen=True)
class TicketType:
    event_id: str
    id: str
    capacity: int

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.UUID(self.id)


@contextlib.asynccontextmanager
async def started(
    mode: Mode,
    services: Services | None,
    cores: Cores,
    workdir: Path,
    workers: int,
    settings: Mapping[str, str] | None = None,
) -> AsyncIterator[System]:
    """Database (migrated, empty), API pinned to its core, workers; stopped on exit.
    ``settings`` are given to every process besides the run's own (tracing, say)."""
    secret = jwt_secret()
    suffix = uuid.uuid4().hex[:10]
    if mode is Mode.STACK:
        assert services is not None
        database_url = await admin.create_postgres_database(
            services.postgres_admin_url, "bolt_bench"
        )
        backing = {
            "BOLT_REDIS_URL": services.redis_url,
            "BOLT_KAFKA_BOOTSTRAP": services.kafka_bootstrap,
            "BOLT_KAFKA_TOPIC": f"bench-bookings-{suffix}",
            "BOLT_CONSUMER_GROUP": f"bench-workers-{suffix}",
        }
    else:
        database_url = f"sqlite+aiosqlite:///{workdir / 'bolt.db'}"
        backing = {}
    env = clean_environment(
        BOLT_ENV="test",
        BOLT_JWT_SECRET=secret,
        BOLT_LOG_LEVEL="WARNING",
        BOLT_DATABASE_URL=database_url,
        BOLT_ADMIN_EMAIL=ADMIN_EMAIL,
        BOLT_ADMIN_PASSWORD=secrets.token_urlsafe(16),
        BOLT_PASSWORD_HASHING="argon2id-cheapest",
        **{
            # One load generator on 127.0.0.1 stands for every buyer; `bench ratelimit`
            # turns the limits on in its settings.
            "BOLT_RATE_LIMITS_ENABLED": "false",
            **backing,
            **(settings or {}),
        },
    )
    run_checked([BOLTTICKETS, "migrate"], env)
    port = free_port()
    api = Process(
        "api",
        [BOLTTICKETS, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env,
        workdir,
        cores.server,
    )
    system = System(mode, workdir, env, database_url, api, [], secret, services)
    try:
        api.start()
        await wait_until_ready(api, f"{system.base_url}/health/ready")
        if mode is Mode.STACK:
            # After the API, which creates the topic the workers subscribe to.
            system.workers = [
                Process(
                    f"worker-{i}",
                    [BOLTTICKETS, "worker", "--host", "127.0.0.1", "--port", str(free_port())],
                    env,
                    workdir,
                )
                for i in range(workers)
            ]
            for worker in system.workers:
                worker.start()
        yield system
    finally:
        await system.stop()
        if mode is Mode.STACK and services is not None:
            await _clean_up(services, database_url, [backing["BOLT_KAFKA_TOPIC"]])


async def _clean_up(services: Services, database_url: str, topics: list[str]) -> None:
    """After the processes stopped, so that nothing writes again what is removed."""
    conn = await admin.pg_connect(database_url)
    try:
        ids = [row["id"] for row in await conn.fetch("SELECT id FROM ticket_types")]
    finally:
        await conn.close()
    await cleanup.forget_ticket_types(services.redis_url, ids)
    for failure in await cleanup.delete_topics(
        services.kafka_bootstrap, [*topics, *(f"{t}.dlq" for t in topics)]
    ):
        sys.stderr.write(f"could not delete Kafka topic {failure}\n")
    await admin.drop_postgres_database(services.postgres_admin_url, database_url)


class Watchers:
    """WebSocket clients of a few buyers, noting when each booking's outcome arrives."""

    def __init__(self) -> None:
        self.outcomes: dict[str, tuple[str, float]] = {}
        self._sockets: list[websockets.ClientConnection] = []
        self._readers: list[asyncio.Task[None]] = []
        self._arrived = asyncio.Event()

    async def open(self, ws_url: str, tokens: list[str]) -> None:
        for token in tokens:
            ws = await websockets.connect(ws_url, max_queue=None)
            await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
            while orjson.loads(await ws.recv()).get("type") != "authenticated":
                pass
            self._sockets.append(ws)
            self._readers.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: websockets.ClientConnection) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in ws:
                frame: dict[str, Any] = orjson.loads(raw)
                if frame.get("type") == "booking" and frame["status"] in (
                    "reserved",
                    "rejected",
                ):
                    self.outcomes.setdefault(
                        frame["booking_id"], (frame["status"], time.monotonic())
                    )
                    self._arrived.set()

    async def wait_for(self, booking_ids: list[str], timeout: float) -> None:
        """Until every one of ``booking_ids`` has its outcome, or ``timeout`` passed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while any(b not in self.outcomes for b in booking_ids):
                    self._arrived.clear()
                    await self._arrived.wait()

    def confirmed_after_ms(self, accepted: Iterable[Sequence[Any]]) -> list[float]:
        """For each (booking id, when its 202 arrived): how long until ``confirmed`` came."""
        return sorted(
            (self.outcomes[b][1] - at) * 1000
            for b, at in accepted
            if b in self.outcomes and self.outcomes[b][0] == "reserved"
        )

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()
        for reader in self._readers:
            reader.cancel()


class SoldTimeline:
    """``sold`` of some ticket types, sampled from the database while the sale runs."""

    def __init__(self, system: System, tts: list[TicketType]) -> None:
        self.system = system
        self.tts = tts
        self.samples: dict[str, list[tuple[float, int]]] = {tt.id: [] for tt in tts}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def _sample_once(self) -> None:
        now = time.monotonic()
        for tt_id, sold in (await self.system.sold(self.tts)).items():
            self.samples[tt_id].append((now, sold))

    async def _sample(self) -> None:
        while True:
            await self._sample_once()
            await asyncio.sleep(POLL_SECONDS)

    async def stop(self) -> None:
        """With a last sample: the sale may have completed since the one before."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._sample_once()

    def first_at(self, tt: TicketType, sold: int) -> float | None:
        """When ``tt`` had sold at least ``sold`` tickets (to one sampling period)."""
        return next((t for t, s in self.samples[tt.id] if s >= sold), None)

    def series(self, tt: TicketType, since: float) -> list[tuple[float, float]]:
        return [(t - since, float(s)) for t, s in self.samples[tt.id] if t >= since]


async def drain(system: System, tt: TicketType, accepted: int, timeout: float) -> dict[str, int]:
    """Wait until every accepted booking of ``tt`` is a row that is no longer pending."""
    deadline = time.monotonic() + timeout
    while True:
        system.check_alive()
        counts = await system.status_counts(tt)
        settled = sum(n for status, n in counts.items() if status != "pending")
        if settled >= accepted or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(POLL_SECONDS)


async def run_loadgen(
    spec: Spec,
    stem: Path,
    core: frozenset[int] | None,
    what: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run the load generator on ``spec``, pinned to ``core``, with its files beside ``stem``;
    its result. ``progress`` is told how many requests were answered, as it goes; ``what``
    names the run in the error of a load generator that failed."""
    spec_path, result_path = stem.with_suffix(".spec.json"), stem.with_suffix(".result.json")
    spec_path.write_text(spec.to_json())
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.loadgen", str(spec_path), str(result_path)),
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=pin(core),
    )
    assert proc.stdout is not None
    async for line in proc.stdout:
        if progress is not None:
            progress(int(line.split()[1]))
    if await proc.wait() != 0:
        raise RuntimeError(f"the load generator failed {what}")
    result: dict[str, Any] = orjson.loads(result_path.read_bytes())
    return result


async def settled_failures(
    system: System,
    tt: TicketType,
    name: str,
    accepted: int,
    expect_confirmed: int,
    drain_timeout: float,
) -> list[str]:
    """The four invariants of one sale of ``tt`` whose ``accepted`` bookings were answered
    202, once its pipeline has drained: nothing lost, nothing booked twice, none pending,
    and the stock (database, API, Redis) agreeing with what was confirmed."""
    failures = []
    counts = await drain(system, tt, accepted, timeout=drain_timeout)
    rows = sum(counts.values())
    confirmed = counts.get("reserved", 0)
    if counts.get("pending"):
        failures.append(f"{name}: {counts['pending']} bookings still pending after drain")
    if rows != accepted:
        failures.append(f"{name}: {accepted} answered 202 but {rows} bookings in the DB")
    if confirmed != expect_confirmed:
        failures.append(f"{name}: {confirmed} confirmed, expected {expect_confirmed}")
    if await system.distinct_keys(tt) != rows:
        failures.append(f"{name}: a request was booked twice")
    sold = (await system.sold([tt]))[tt.id]
    if sold != confirmed:
        failures.append(f"{name}: ticket_types.sold = {sold}, confirmed = {confirmed}")
    if (converged := await _converged(system, tt, name, tt.capacity - confirmed)) is not None:
        failures.append(converged)
    return failures


async def _converged(system: System, tt: TicketType, name: str, expected: int) -> str | None:
    """Remaining stock, in the API and in Redis, settles at capacity - confirmed."""
    deadline = time.monotonic() + 15
    while True:
        seen = {"API": await system.api_remaining(tt)}
        redis = await system.redis_remaining(tt)
        if redis is not None:
            seen["Redis"] = redis
        if all(v == expected for v in seen.values()):
            return None
        if time.monotonic() > deadline:
            return f"{name}: remaining {seen}, expected {expected}"
        await asyncio.sleep(0.2)
