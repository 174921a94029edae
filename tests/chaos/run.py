"""A Jepsen-style run: a sale on 2 APIs and 2 workers while the nemesis breaks things.

Every round freezes the workers (SIGSTOP), so the bookings the round gets accepted pile up
unconfirmed whatever the machine's load, starts ≥ 64 buyers at once, waits until ≥ 20 of
them are accepted and PostgreSQL confirms none of those yet, then injects one fault and
thaws the workers. Buyers behave like real clients: a 503 or a dropped connection is retried
with the same Idempotency-Key, on either API. After the last fault the run waits for the
stack to converge and checks the invariants against PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson
import websockets
from websockets.frames import CloseCode

from tests.chaos import nemesis
from tests.conftest import create_postgres_database, migrated
from tests.stack.conftest import Stack
from tests.support import Api, InFlight, Server, eventually

BUYERS_PER_ROUND = 72
UNCONFIRMED_AT_FAULT = 20
PER_USER_LIMIT = 2
WATCHED_BUYERS = 8
POLLERS = 4
SELL_OUT_MARGIN = 40
CLIENT_GIVES_UP_AFTER = 240.0
SERVER_ERRORS_SHOWN = 10


REQUESTS = ("POST", "GET", "WebSocket")


@dataclass(frozen=True)
class ServerError:
    at: datetime
    request: str
    """One of REQUESTS: a booking, a booking read, a realtime connection."""
    server: str
    status: int
    """The HTTP status, or for a WebSocket 1011 (the server's internal error) as it closed."""
    body: str

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S.%f} {self.server} {self.request} {self.status} {self.body}"


@dataclass
class Outcome:
    """What the buyers were told, to be checked against PostgreSQL."""

    accepted: dict[str, tuple[str, str]] = field(default_factory=dict)
    """booking id → (token, idempotency key) of every request answered 202."""
    told_confirmed: set[str] = field(default_factory=set)
    """Booking ids some client was told were confirmed (a 202 replay, a GET, a frame)."""
    told_before_row: set[str] = field(default_factory=set)
    """Of those, the ones PostgreSQL did not hold as confirmed when the client was told."""
    unanswered: int = 0
    server_errors: list[ServerError] = field(default_factory=list)
    """Every answer a client must never get, even during a fault."""
    in_flight: InFlight = field(default_factory=InFlight)

    def answered(self, request: str, server: Server, response: httpx.Response) -> None:
        self.check(request, server, response.status_code, response.headers, response.text)

    def check(
        self, request: str, server: Server, status: int, headers: Mapping[str, str], body: str
    ) -> None:
        """Record ``status`` if it is a server error: any 5xx but the documented answer to
        a fault, a 503 with Retry-After (the client retries either way, as a real one would)."""
        if status >= 500 and not (status == 503 and "retry-after" in headers):
            self.server_error(request, server, status, body)

    def server_error(self, request: str, server: Server, status: int, body: str) -> None:
        found = ServerError(datetime.now(UTC), request, server.name, status, body[:200])
        self.server_errors.append(found)


@dataclass
class Report:
    seed: int
    faults: list[str]
    accepted: int
    capacity: int
    confirmed: int
    lost: int
    duplicated: int
    oversold: int
    per_user_over_limit: int
    told_confirmed_unknown: int
    redis_stock_wrong: int
    converge_seconds: float
    peak_in_flight: int
    unanswered: int
    server_errors: list[ServerError]

    def server_errors_of(self, request: str) -> int:
        return sum(1 for e in self.server_errors if e.request == request)

    def table(self) -> str:
        rows = [
            ("seed", str(self.seed)),
            ("faults injected", str(len(self.faults))),
            ("bookings accepted", str(self.accepted)),
            ("confirmed / capacity", f"{self.confirmed} / {self.capacity}"),
            ("lost", str(self.lost)),
            ("duplicated", str(self.duplicated)),
            ("oversold", str(self.oversold)),
            ("per-user limit exceeded", str(self.per_user_over_limit)),
            ("told confirmed, not in PostgreSQL", str(self.told_confirmed_unknown)),
            ("Redis stock off", str(self.redis_stock_wrong)),
            ("time to converge (s)", f"{self.converge_seconds:.1f}"),
            ("peak requests in flight", str(self.peak_in_flight)),
            ("requests never answered", str(self.unanswered)),
            *((f"5xx answers ({r})", str(self.server_errors_of(r))) for r in REQUESTS),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        lines.append(f"{'faults':<{width}}  {', '.join(self.faults)}")
        return "\n".join(lines)

    def broken(self) -> list[str]:
        """Each promise this run broke, with how often; empty when every one held."""
        counts = [
            ("accepted bookings never final (lost)", self.lost),
            ("bookings stored twice (duplicated)", self.duplicated),
            ("confirmed past capacity (oversold)", self.oversold),
            ("buyers past the per-user limit", self.per_user_over_limit),
            ("told confirmed, not in PostgreSQL", self.told_confirmed_unknown),
            ("Redis stock off PostgreSQL's by", self.redis_stock_wrong),
            ("requests never answered", self.unanswered),
            *((f"5xx answers ({r})", self.server_errors_of(r)) for r in REQUESTS),
        ]
        return [f"{what}: {n}" for what, n in counts if n]

    def failure(self, *broken: str) -> str:
        """The failure message: which invariants broke, the seed and the fault sequence."""
        return (
            f"chaos seed {self.seed} broke: {'; '.join(broken)}\n"
            f"replay with BOLT_CHAOS_SEED={self.seed}\n{self.table()}"
            + "".join(f"\n  {e}" for e in self.server_errors[:SERVER_ERRORS_SHOWN])
        )


@contextlib.asynccontextmanager
async def open_stack(
    workdir: Path, admin_url: str, redis_url: str, kafka_bootstrap: str
) -> AsyncIterator[Stack]:
    """Two APIs and two workers on a database, topic and Redis namespace of their own."""
    database_url = await create_postgres_database(admin_url)
    await (await migrated(database_url)).dispose()
    suffix = uuid.uuid4().hex[:8]
    env = {
        "BOLT_DATABASE_URL": database_url,
        "BOLT_REDIS_URL": redis_url,
        "BOLT_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "BOLT_KAFKA_TOPIC": f"ticket-bookings-chaos-{suffix}",
        "BOLT_CONSUMER_GROUP": f"booking-workers-chaos-{suffix}",
        "BOLT_REDIS_PREFIX": f"bolt-chaos-{suffix}",
        "BOLT_SWEEP_AFTER_SECONDS": "2",
        "BOLT_RECONCILE_EVERY_SECONDS": "1",
    }
    stack = Stack(
        workdir, env, database_url, redis_url, kafka_bootstrap, env["BOLT_KAFKA_TOPIC"],
        env["BOLT_REDIS_PREFIX"],
    )  # fmt: skip
    try:
        apis = [stack.api_server(i) for i in range(2)]
        await apis[0].start()  # the first API creates the topics
        await apis[1].start()
        await asyncio.gather(*(stack.worker(i).start() for i in range(2)))
        yield stack
    finally:
        stack.stop()


class Chaos:
    def __init__(self, stack: Stack, seed: int, faults: int) -> None:
        self.stack = stack
        # The fault sequence has its own generator: the seed alone decides it, whatever
        # the buyers' choices and timings.
        self.nemesis_rng = random.Random(seed)
        self.rng = random.Random(seed + 1)
        self.seed = seed
        self.fault_count = faults
        self.clients = [Api(server) for server in stack.apis]
        self.outcome = Outcome()
        self.faults: list[str] = []
        # Every round but the last can never sell out: each asks for at most a round of stock.
        self.capacity = BUYERS_PER_ROUND * faults
        self.event_id = ""
        self.ticket_type_id = ""

    async def confirmed_in_postgres(self, booking_id: str) -> bool:
        deadline = time.monotonic() + CLIENT_GIVES_UP_AFTER
        while True:
            try:
                rows = await self.stack.sql(
                    "SELECT status FROM bookings WHERE id = $1", uuid.UUID(booking_id)
                )
                return bool(rows) and rows[0]["status"] == "reserved"
            except (OSError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)  # PostgreSQL is down or frozen by the nemesis

    async def told_confirmed(self, booking_id: str) -> None:
        """A client saw `confirmed`: PostgreSQL must hold it at that moment."""
        self.outcome.told_confirmed.add(booking_id)
        if not await self.confirmed_in_postgres(booking_id):
            self.outcome.told_before_row.add(booking_id)

    async def buy(self, token: str, key: str) -> str | None:
        """One buyer's request, retried like a real client until it gets an answer."""
        deadline = time.monotonic() + CLIENT_GIVES_UP_AFTER
        attempt = self.rng.randrange(2)
        async with self.outcome.in_flight.track():
            while time.monotonic() < deadline:
                client = self.clients[attempt % 2]
                attempt += 1
                try:
                    response = await client.book(token, self.ticket_type_id, 1, key)
                except httpx.TransportError:
                    await asyncio.sleep(0.2)  # that API is down: the other one, or later
                    continue
                if response.status_code == 202:
                    body = response.json()
                    self.outcome.accepted[body["booking_id"]] = (token, key)
                    if body.get("status") == "reserved":
                        await self.told_confirmed(body["booking_id"])
                    return str(body["booking_id"])
                if response.status_code in (409, 422):
                    return None
                self.outcome.answered("POST", client.server, response)
                retry_after = float(response.headers.get("Retry-After", "0.5") or 0.5)
                await asyncio.sleep(min(retry_after, 1.0))
        self.outcome.unanswered += 1
        return None

    async def watch(self, token: str, server: Server, stop: asyncio.Event) -> None:
        """A buyer's WebSocket, reconnected whenever its API goes away."""
        while not stop.is_set():
            try:
                async with websockets.connect(server.ws_url, open_timeout=10) as ws:
                    await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
                    async for raw in ws:
                        frame = orjson.loads(raw)
                        if frame.get("type") == "booking" and frame["status"] == "reserved":
                            await self.told_confirmed(frame["booking_id"])
            except websockets.InvalidStatus as exc:  # the handshake was answered, not upgraded
                answer = exc.response
                body = answer.body.decode(errors="replace")
                self.outcome.check("WebSocket", server, answer.status_code, answer.headers, body)
            except websockets.ConnectionClosedError as exc:
                if exc.rcvd is not None and exc.rcvd.code == CloseCode.INTERNAL_ERROR:
                    self.outcome.server_error("WebSocket", server, exc.rcvd.code, exc.rcvd.reason)
            except (OSError, websockets.WebSocketException, TimeoutError):
                pass  # that API is down or frozen: connect again
            await asyncio.sleep(0.5)

    async def poll(self, stop: asyncio.Event) -> None:
        """A client reading its bookings by GET while the faults go on."""
        rng = random.Random(self.seed + 2)  # its own, apart from the buyers' choices
        while not stop.is_set():
            if not self.outcome.accepted:
                await asyncio.sleep(0.1)
                continue
            booking_id = rng.choice(list(self.outcome.accepted))
            token, _ = self.outcome.accepted[booking_id]
            try:
                status = await self.read(rng.choice(self.clients), token, booking_id)
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            if status == "reserved":
                await self.told_confirmed(booking_id)
            await asyncio.sleep(0)  # a read answered without I/O must not starve the run

    async def read(self, client: Api, token: str, booking_id: str) -> str | None:
        """The booking's status by GET, or None when the answer was not a booking."""
        response = await client.http.get(f"/api/bookings/{booking_id}", headers=Api.auth(token))
        self.outcome.answered("GET", client.server, response)
        return str(response.json()["status"]) if response.status_code == 200 else None

    async def unconfirmed(self, booking_ids: list[str]) -> int:
        rows = await self.stack.sql(
            "SELECT COUNT(*) AS n FROM bookings WHERE id = ANY($1::uuid[])",
            [uuid.UUID(b) for b in booking_ids],
        )
        return len(booking_ids) - int(rows[0]["n"])

    async def round(self, tokens: list[str], index: int) -> float:
        """One fault during one burst of buyers; returns when the fault ended."""
        fault = nemesis.choose(self.nemesis_rng, self.stack)
        self.faults.append(str(fault))  # before it is injected: a failure report names it
        before = set(self.outcome.accepted)
        requests: list[asyncio.Task[str | None]] = []
        try:
            with self.workers_paused():
                requests = [
                    asyncio.create_task(self.buy(t, f"round-{index}-{i}"))
                    for i, t in enumerate(tokens)
                ]

                async def accepted_now() -> list[str]:
                    return [b for b in self.outcome.accepted if b not in before]

                fresh = await eventually(
                    accepted_now, lambda a: len(a) >= UNCONFIRMED_AT_FAULT, timeout=120
                )
                unconfirmed = await self.unconfirmed(fresh)
                assert unconfirmed >= UNCONFIRMED_AT_FAULT, (
                    f"only {unconfirmed} of {len(fresh)} accepted bookings were unconfirmed "
                    f"with every worker frozen, before {fault}"
                )
                self.say(f"fault {index + 1}: {fault} with {unconfirmed} accepted unconfirmed")
                async with nemesis.injected(self.stack, fault):
                    for worker in self.stack.workers:
                        if worker.name != fault.target:
                            worker.resume()
                    await asyncio.sleep(fault.seconds)
            ended = time.monotonic()
            self.say(f"fault {index + 1}: {fault} undone, its target ready")
            await asyncio.gather(*requests)
            return ended
        finally:
            for task in requests:
                task.cancel()  # only those of a failed round are still running

    @contextlib.contextmanager
    def workers_paused(self) -> Iterator[None]:
        """Every worker frozen, so the round's bookings pile up unconfirmed whatever the
        machine's load; all of them running again when the block is left."""
        for worker in self.stack.workers:
            worker.pause()
        try:
            yield
        finally:
            for worker in self.stack.workers:
                worker.resume()

    def say(self, line: str) -> None:
        """Progress with the wall clock, to be read next to the processes' logs."""
        print(f"  {datetime.now(UTC):%H:%M:%S.%f} {line}", flush=True)

    async def run(self) -> Report:
        api = self.clients[0]
        # Nobody pays here: the reservations must outlast the round and its checks.
        event = await api.create_event(
            [self.capacity], per_user_limit=PER_USER_LIMIT, payment_window_seconds=3600
        )
        self.event_id = event["id"]
        self.ticket_type_id = event["ticket_types"][0]["id"]
        # Enough buyers that most of them can buy twice and some hit their limit.
        buyers = await api.buyers(BUYERS_PER_ROUND * self.fault_count // 2)
        stop = asyncio.Event()
        watchers = [
            asyncio.create_task(self.watch(t, self.stack.apis[i % 2], stop))
            for i, t in enumerate(buyers[:WATCHED_BUYERS])
        ]
        watchers += [asyncio.create_task(self.poll(stop)) for _ in range(POLLERS)]
        try:
            for index in range(self.fault_count - 1):
                tokens = [self.rng.choice(buyers) for _ in range(BUYERS_PER_ROUND)]
                await self.round(tokens, index)
            # The last burst asks for more than is left, so the sale sells out under a fault.
            left = self.capacity - len(self.outcome.accepted)
            last = await api.buyers(max(BUYERS_PER_ROUND, left + SELL_OUT_MARGIN))
            last_fault = await self.round(last, self.fault_count - 1)
            converged = await self.converge()
            report = await self.report(converged - last_fault)
        except BaseException as exc:
            exc.add_note(self.context())
            raise
        finally:
            stop.set()
            for task in watchers:
                task.cancel()
            ended = await asyncio.gather(*watchers, return_exceptions=True)
            for client in self.clients:
                await client.close()
        # A client that checks what it is told and died on the way would hide violations.
        if died := [e for e in ended if isinstance(e, Exception)]:
            raise AssertionError(
                f"a client checking confirmations failed: {died[0]!r}\n{self.context()}"
            ) from died[0]
        return report

    def context(self) -> str:
        """What a failure report needs to be replayed and read."""
        return (
            f"chaos seed {self.seed} (replay with BOLT_CHAOS_SEED={self.seed}); faults so far: "
            f"{', '.join(self.faults) or 'none'}; process logs in {self.stack.workdir}/"
        )

    async def redis_remaining(self) -> int:
        key = f"{self.stack.redis_prefix}:{{{self.ticket_type_id}}}:stock"
        async with self.stack.redis() as redis:
            value = await redis.hget(key, "remaining")
        return int(value) if value is not None else -1

    async def settled(self) -> tuple[int, int, int]:
        """(accepted not yet final in PostgreSQL, confirmed, Redis remaining)."""
        rows = await self.stack.sql(
            "SELECT status, COUNT(*) AS n FROM bookings WHERE id = ANY($1::uuid[]) GROUP BY status",
            [uuid.UUID(b) for b in self.outcome.accepted],
        )
        counts = {r["status"]: int(r["n"]) for r in rows}
        final = counts.get("reserved", 0) + counts.get("rejected", 0)
        [row] = await self.stack.sql(
            "SELECT COUNT(*) AS n FROM bookings "
            "WHERE ticket_type_id = $1 AND status IN ('reserved', 'paid')",
            uuid.UUID(self.ticket_type_id),
        )
        return len(self.outcome.accepted) - final, int(row["n"]), await self.redis_remaining()

    async def converge(self) -> float:
        """When every accepted booking is final and Redis' stock agrees with PostgreSQL."""
        with contextlib.suppress(AssertionError):
            await eventually(
                self.settled,
                lambda s: s[0] == 0 and s[2] == self.capacity - s[1],
                timeout=120,
            )
        return time.monotonic()

    async def report(self, converge_seconds: float) -> Report:
        tt = uuid.UUID(self.ticket_type_id)
        unsettled, confirmed, remaining = await self.settled()
        [dup] = await self.stack.sql(
            "SELECT COUNT(*) - COUNT(DISTINCT (user_id, idempotency_key)) AS n FROM bookings "
            "WHERE ticket_type_id = $1",
            tt,
        )
        [over] = await self.stack.sql(
            "SELECT COUNT(*) AS n FROM (SELECT user_id FROM bookings WHERE ticket_type_id = $1 "
            "AND status IN ('reserved', 'paid') GROUP BY user_id HAVING SUM(quantity) > $2) t",
            tt,
            PER_USER_LIMIT,
        )

        # Every final status a client can read by GET is checked too, in one query.
        accepted = list(self.outcome.accepted.items())
        read_back = await asyncio.gather(
            *(self.read(self.clients[0], t, b) for b, (t, _) in accepted)
        )
        pairs = zip(accepted, read_back, strict=True)
        shown = {b for (b, _), status in pairs if status == "reserved"}
        rows = await self.stack.sql(
            "SELECT id FROM bookings WHERE id = ANY($1::uuid[]) AND status IN ('reserved', 'paid')",
            [uuid.UUID(b) for b in shown],
        )
        self.outcome.told_confirmed |= shown
        self.outcome.told_before_row |= shown - {str(r["id"]) for r in rows}
        return Report(
            seed=self.seed,
            faults=self.faults,
            accepted=len(self.outcome.accepted),
            capacity=self.capacity,
            confirmed=confirmed,
            lost=unsettled,
            duplicated=int(dup["n"]),
            oversold=max(0, confirmed - self.capacity),
            per_user_over_limit=int(over["n"]),
            told_confirmed_unknown=len(self.outcome.told_before_row),
            redis_stock_wrong=abs(remaining - (self.capacity - confirmed)),
            converge_seconds=converge_seconds,
            peak_in_flight=self.outcome.in_flight.peak,
            unanswered=self.outcome.unanswered,
            server_errors=self.outcome.server_errors,
        )
