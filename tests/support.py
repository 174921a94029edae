"""Helpers for tests that drive real server processes over real sockets."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest
import websockets

from bolttickets.adapters.redis_client import RedisClient

T = TypeVar("T")

JWT_SECRET = "integration-tests-secret-0123456789abcdef"
ADMIN = ("admin@tests.bolttickets.dev", "admin-password-123")
BOLTTICKETS = str(Path(sys.executable).with_name("bolttickets"))
SERVICES = Path(__file__).resolve().parents[1] / "scripts" / "services"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def services(*args: str) -> str:
    """Run scripts/services (which honours BOLT_SERVICES_PORT_OFFSET): stop, start or ask
    about the PostgreSQL, Redis and Kafka of this checkout."""
    done = await asyncio.to_thread(
        subprocess.run, [str(SERVICES), *args], timeout=300, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/services {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


async def eventually(
    probe: Callable[[], Awaitable[T]], ok: Callable[[T], bool], *, timeout: float = 30.0
) -> T:
    """Poll ``probe`` until ``ok`` holds; fail with the last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s; last: {value!r}")
        await asyncio.sleep(0.05)


@dataclass
class Server:
    """One ``bolttickets serve`` (or ``worker``) process; start it again on the same database
    and port after a kill."""

    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    """The API's internal port (/metrics, the detailed /health/ready); a worker's is ``port``."""
    role: str = "serve"
    name: str = "server"
    executable: str = BOLTTICKETS
    cwd: Path | None = None
    tls_ca: Path | None = None
    """The CA that signed its BOLT_TLS_CERT_FILE: it serves HTTPS, verified against it."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        scheme = "http" if self.tls_ca is None else "https"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def metrics_address(self) -> str:
        return f"127.0.0.1:{self.port if self.role == 'worker' else self.metrics_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.metrics_address}"

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What a client verifies the server's certificate with."""
        return True if self.tls_ca is None else ssl.create_default_context(cafile=self.tls_ca)

    @property
    def ws_url(self) -> str:
        scheme = "ws" if self.tls_ca is None else "wss"
        return f"{scheme}://127.0.0.1:{self.port}/api/realtime"

    @property
    def sqlite_path(self) -> Path:
        return self.workdir / "bolt.db"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def environment(self, **overrides: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("BOLT_")}
        base.update(
            BOLT_ENV="test",
            BOLT_JWT_SECRET=JWT_SECRET,
            BOLT_DATABASE_URL=f"sqlite+aiosqlite:///{self.sqlite_path}",
            BOLT_ADMIN_EMAIL=ADMIN[0],
            BOLT_ADMIN_PASSWORD=ADMIN[1],
            BOLT_PASSWORD_HASHING="argon2id-cheapest",
            BOLT_LOG_LEVEL="INFO",
            # Suites drive hundreds of buyers from 127.0.0.1; the rate limit tests turn
            # the limits back on (tests/stack/test_rate_limits.py).
            BOLT_RATE_LIMITS_ENABLED="false",
        )
        base.update(self.env)
        base.update(overrides)
        return base

    def command(self) -> list[str]:
        if self.role == "worker":
            return [self.executable, "worker", "--host", "127.0.0.1", "--port", str(self.port)]
        return [
            *(self.executable, "serve", "--host", "127.0.0.1", "--port", str(self.port)),
            *("--metrics-port", str(self.metrics_port)),
        ]

    async def start(self, **overrides: str) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
            self.command(),
            env=self.environment(**overrides),
            cwd=self.cwd,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        if self.role == "worker":
            await self._wait_for_log("worker_started", offset)
        else:
            await self._wait_until_ready()

    async def _wait_until_ready(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, verify=self.verify) as client:

            async def ready() -> int:
                self._fail_if_exited()
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get("/health/ready")).status_code
                return 0

            await eventually(ready, lambda status: status == 200, timeout=90)

    async def _wait_for_log(self, text: str, offset: int) -> None:
        async def seen() -> bool:
            self._fail_if_exited()
            return text in self.log_path.read_bytes()[offset:].decode(errors="replace")

        await eventually(seen, bool, timeout=90)

    def _fail_if_exited(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited: {self.log_tail()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): what it has not done yet, it cannot do."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused process never sees SIGTERM
            stop_process(self.process)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the SQLite database directly: the source of truth, not the API."""
        conn = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def booking_status_counts(server: Server, ticket_type_id: str) -> dict[str, int]:
    rows = server.query(
        "SELECT status, COUNT(*) FROM bookings WHERE ticket_type_id = ? GROUP BY status",
        uuid.UUID(ticket_type_id).hex,
    )
    return dict(rows)


class InFlight:
    """Counts requests in flight, to prove the load was really concurrent."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    @contextlib.asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            self.now -= 1


class Api:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = httpx.AsyncClient(
            base_url=server.url,
            verify=server.verify,
            timeout=180,  # generous: CI may run on a busy machine
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=256),
        )
        self.internal = httpx.AsyncClient(base_url=server.metrics_url, timeout=180)
        """The internal port: /metrics and the detailed /health/ready."""
        self.in_flight = InFlight()

    async def close(self) -> None:
        await self.http.aclose()
        await self.internal.aclose()

    async def token(self, email: str, password: str) -> str:
        response = await self.http.post(
            "/api/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        self.http.cookies.clear()  # one client stands for many buyers: tokens, not cookies
        return str(response.json()["access_token"])

    async def new_buyer(self) -> str:
        email = f"buyer-{uuid.uuid4().hex[:12]}@tests.bolttickets.dev"
        response = await self.http.post(
            "/api/auth/register", json={"email": email, "password": "buyer-password"}
        )
        assert response.status_code == 201, response.text
        return await self.token(email, "buyer-password")

    async def buyers(self, count: int) -> list[str]:
        return list(await asyncio.gather(*(self.new_buyer() for _ in range(count))))

    async def admin(self) -> str:
        return await self.token(*ADMIN)

    async def create_event(
        self,
        capacities: Iterable[int] = (100,),
        *,
        per_user_limit: int | None = None,
        sale_starts_in: timedelta | None = None,
        payment_window_seconds: int | None = None,
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "name": f"Sale {uuid.uuid4().hex[:6]}",
            "venue": "Test Hall",
            "starts_at": (now + timedelta(days=7)).isoformat(),
            "ticket_types": [
                {
                    "name": f"Tier {i}",
                    "price_cents": 1000 + i,
                    "capacity": capacity,
                    "per_user_limit": per_user_limit,
                }
                for i, capacity in enumerate(capacities)
            ],
        }
        if sale_starts_in is not None:
            body["sale_starts_at"] = (now + sale_starts_in).isoformat()
        if payment_window_seconds is not None:
            body["payment_window_seconds"] = payment_window_seconds
        response = await self.http.post(
            "/api/events", json=body, headers=self.auth(await self.admin())
        )
        assert response.status_code == 201, response.text
        event: dict[str, Any] = response.json()
        return event

    @staticmethod
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def book(
        self, token: str, ticket_type_id: str, quantity: int = 1, key: str | None = None
    ) -> httpx.Response:
        headers = self.auth(token)
        if key is not None:
            headers["Idempotency-Key"] = key
        async with self.in_flight.track():
            return await self.http.post(
                "/api/bookings",
                json={"ticket_type_id": ticket_type_id, "quantity": quantity},
                headers=headers,
            )

    async def booking(
        self, token: str, booking_id: str, *, missing_ok: bool = False
    ) -> dict[str, Any]:
        response = await self.http.get(f"/api/bookings/{booking_id}", headers=self.auth(token))
        if missing_ok and response.status_code == 404:
            return {"id": booking_id, "status": "pending"}
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def final_statuses(
        self, bookings: Iterable[tuple[str, str]], timeout: float = 60, *, holds_lost: bool = False
    ) -> dict[str, str]:
        """Wait until every (token, booking id) is no longer pending.

        Only after the stock store lost its holds may an accepted booking be briefly unknown
        (404) until the worker applies it.
        """
        wanted = list(bookings)

        async def statuses() -> dict[str, str]:
            found = await asyncio.gather(
                *(self.booking(t, b, missing_ok=holds_lost) for t, b in wanted)
            )
            return {b["id"]: b["status"] for b in found}

        return await eventually(statuses, lambda s: "pending" not in s.values(), timeout=timeout)

    async def pay(self, token: str, booking_id: str) -> str:
        """Pay a reserved booking with the built-in provider's card that pays, and wait until
        it is paid (its tickets issued); returns the payment id."""
        checkout = await self.http.post(
            f"/api/bookings/{booking_id}/checkout",
            json={"provider": "test"},
            headers=self.auth(token),
        )
        assert checkout.status_code == 200, checkout.text
        payment_id: str = checkout.json()["payment_id"]
        paid = await self.http.post(
            f"/api/payments/test/{payment_id}", json={"card_number": "4242424242424242"}
        )
        assert paid.json()["outcome"] == "succeeded", paid.text
        await eventually(
            lambda: self.booking(token, booking_id), lambda b: b["status"] == "paid", timeout=60
        )
        return payment_id

    async def remaining(self, event_id: str) -> dict[str, int]:
        response = await self.http.get(f"/api/events/{event_id}")
        assert response.status_code == 200, response.text
        return {t["id"]: t["remaining"] for t in response.json()["ticket_types"]}


class Socket:
    """A realtime client that records every frame it receives."""

    def __init__(self, connection: websockets.ClientConnection) -> None:
        self.connection = connection
        self.frames: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, server: Server) -> Socket:
        verify = server.verify
        tls = verify if isinstance(verify, ssl.SSLContext) else None
        return cls(await websockets.connect(server.ws_url, ssl=tls))

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.connection:
                self.frames.append(orjson.loads(raw))

    async def send(self, **message: Any) -> None:
        await self.connection.send(orjson.dumps(message).decode())

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == kind]

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        async def scan() -> dict[str, Any] | None:
            return next((f for f in self.frames if predicate(f)), None)

        found = await eventually(scan, lambda f: f is not None, timeout=timeout)
        assert found is not None
        return found

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


def cursor_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Signed with our key, yet nothing we would issue: still a 401, never a 500.
ODD_CLAIMS = [
    {"sub": 42},
    {"sub": ["a"]},
    {"sub": {"id": 1}},
    {"sub": None},
    {"sub": "not-a-uuid"},
    {"sub": str(uuid.uuid4()), "role": 7},
    {"sub": str(uuid.uuid4()), "role": "emperor"},
]


# Past the calendar's edge once converted to UTC, a (timestamp, id) pair of wrong shape.
ODD_CURSORS = [
    f"0001-01-01T00:00:00+14:00|{uuid.uuid4()}",
    f"9999-12-31T23:59:59-14:00|{uuid.uuid4()}",
    f"2026-01-01T00:00:00|{uuid.uuid4()}",
    f"2026-01-01T00:00:00+00:00|{uuid.uuid4()}|x",
    "2026-01-01T00:00:00+00:00|not-a-uuid",
]


def tool(name: str, install: str | None = None) -> str:
    """The path of a program the test needs, found on PATH (`make test` puts var/tools/bin
    first on it); a missing one fails the test with how to install it, never skips it."""
    path = shutil.which(name)
    if path is None:
        how = install or f"run `scripts/tools install` (it provides {name})"
        pytest.fail(f"{name} is not on PATH: {how}; `make test` puts var/tools/bin first on PATH.")
    return path


async def start_server(
    argv: list[str],
    *,
    log: Path,
    ready: str,
    env: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a program the tests talk to on 127.0.0.1, its output appended to ``log``, and
    return once ``ready`` (one of its URLs) answers 200. If it exits first the test fails
    with the tail of its log; if it never answers it is stopped before the test fails."""
    with log.open("ab") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: ASYNC220 - starting it does not block
    try:
        async with httpx.AsyncClient(auth=auth, timeout=5) as client:

            async def answers() -> bool:
                if process.poll() is not None:
                    tail = log.read_text()[-3000:]  # noqa: ASYNC240 - only once it has failed
                    raise AssertionError(f"{Path(argv[0]).name} exited: {tail}")
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get(ready)).status_code == 200
                return False

            await eventually(answers, bool, timeout=60)
    except BaseException:
        stop_process(process)
        raise
    return process


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and SIGKILL if it has not exited 30 s later; returns once it is gone."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@contextlib.asynccontextmanager
async def redis_namespace(client: RedisClient) -> AsyncIterator[str]:
    """A key namespace of the test's own, like a fresh in-memory store; its keys are deleted
    afterwards (on a cluster, from every node)."""
    namespace = f"bolt-test-{uuid.uuid4().hex}"
    yield namespace
    async for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        await client.unlink(key)
