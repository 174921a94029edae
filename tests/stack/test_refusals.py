"""What the processes refuse, and how readiness reports a missing service."""

from __future__ import annotations

import asyncio
import subprocess

from tests.conftest import create_postgres_database
from tests.stack.conftest import Stack
from tests.support import BOLTTICKETS, ODD_CURSORS, Api, cursor_of, eventually, services

APIS = 1
WORKERS = 0


def run(stack: Stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BOLTTICKETS, *args],
        env=stack.apis[0].environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_an_unmigrated_database_is_refused(stack: Stack, postgres_admin_url: str) -> None:
    empty = await create_postgres_database(postgres_admin_url)
    for command in (["serve", "--port", "1"], ["worker"]):
        result = await asyncio.to_thread(run, stack, *command, BOLT_DATABASE_URL=empty)
        assert result.returncode == 2, result.stderr
        assert "bolttickets migrate" in result.stderr and "Traceback" not in result.stderr
    migrate = await asyncio.to_thread(run, stack, "migrate", BOLT_DATABASE_URL=empty)
    assert migrate.returncode == 0, migrate.stderr
    check = await asyncio.to_thread(run, stack, "worker", "--check", BOLT_DATABASE_URL=empty)
    assert check.returncode == 0, check.stderr


async def test_an_unreachable_database_is_one_line_not_a_traceback(stack: Stack) -> None:
    nobody = "postgresql+asyncpg://bolt:bolt@127.0.0.1:1/bolttickets"  # port 1: refused
    for command in (["serve", "--port", "1"], ["worker"]):
        result = await asyncio.to_thread(run, stack, *command, BOLT_DATABASE_URL=nobody)
        assert result.returncode == 2, result.stderr
        assert "did not accept a connection" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr


async def test_readiness_is_503_while_redis_is_down(stack: Stack, api: Api) -> None:
    async def ready() -> int:
        return (await api.http.get("/health/ready")).status_code

    assert await ready() == 200
    await services("stop", "redis")
    try:
        response = await api.internal.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["redis"].startswith("unavailable")
        public = await api.http.get("/health/ready")
        assert public.status_code == 503 and public.json() == {"status": "unavailable"}
        assert (await api.http.get("/health/live")).status_code == 200
        # The worker's --check probes the same checks the processes are built with.
        check = await asyncio.to_thread(run, stack, "worker", "--check")
        assert check.returncode == 1 and "redis:" in check.stderr, check.stderr
    finally:
        await services("start", "redis")
    await eventually(ready, lambda status: status == 200, timeout=60)


async def test_a_booking_while_redis_is_down_is_503_naming_it(stack: Stack, api: Api) -> None:
    event = await api.create_event([5])
    ticket_type = event["ticket_types"][0]["id"]
    person = await api.new_buyer()
    # An API key is checked in the database, not in Redis: its booking reaches the stock.
    created = await api.http.post(
        "/api/admin/api-keys",
        json={"name": "box office", "scopes": ["bookings:write"]},
        headers=api.auth(await api.admin()),
    )
    assert created.status_code == 201, created.text
    key = created.json()["secret"]
    await services("stop", "redis")
    try:
        # A person's token: the session store (Redis) cannot say it is still logged in.
        refused = await api.book(person, ticket_type, 1, "person-while-redis-is-down")
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"]
        assert refused.json()["type"] == "/problems/sessions-unavailable"

        refused = await api.book(key, ticket_type, 1, "key-while-redis-is-down")
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"]
        problem = refused.json()
        assert problem["type"] == "/problems/stock-unavailable"
        location = f"/api/bookings/{problem['booking_id']}"
        assert refused.headers["Location"] == problem["location"] == location
    finally:
        await services("start", "redis")
    retried = await eventually(
        lambda: api.book(key, ticket_type, 1, "key-while-redis-is-down"),
        lambda response: response.status_code == 202,
        timeout=60,
    )
    assert retried.json()["booking_id"] == problem["booking_id"]
    accepted = await eventually(
        lambda: api.book(person, ticket_type, 1, "person-while-redis-is-down"),
        lambda response: response.status_code == 202,
        timeout=60,
    )
    assert accepted.json()["booking_id"] != problem["booking_id"]


async def test_client_mistakes_on_postgresql_are_4xx(stack: Stack, api: Api) -> None:
    bearer = api.auth(await api.new_buyer())
    for raw in ODD_CURSORS:
        for what in ("bookings", "events"):
            response = await api.http.get(f"/api/{what}?cursor={cursor_of(raw)}", headers=bearer)
            assert response.status_code == 422, (raw, response.text)
    for path, password in (("login", "whatever1"), ("register", "long-enough")):
        response = await api.http.post(
            f"/api/auth/{path}",
            json={"email": "nul\u0000@tests.bolttickets.dev", "password": password},
        )
        assert response.status_code == 422, response.text
    admin = api.auth(await api.admin())
    response = await api.http.post(
        "/api/events",
        headers=admin,
        json={
            "name": "Gig\u0000",
            "venue": "Hall",
            "starts_at": "2031-01-01T20:00:00+00:00",
            "ticket_types": [{"name": "GA", "price_cents": 100, "capacity": 10}],
        },
    )
    assert response.status_code == 422, response.text


async def test_worker_check_fails_while_kafka_is_down(stack: Stack, api: Api) -> None:
    await services("stop", "kafka")
    try:
        down = await asyncio.to_thread(run, stack, "worker", "--check")
        assert down.returncode == 1 and "Kafka" in down.stderr
        response = await api.internal.get("/health/ready")
        assert response.status_code == 503 and response.json()["checks"]["kafka"] != "ok"
    finally:
        await services("start", "kafka")
    up = await asyncio.to_thread(run, stack, "worker", "--check")
    assert up.returncode == 0, up.stderr
