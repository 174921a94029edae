"""Rate limits through a real API process on PostgreSQL, Redis and Kafka.

The tests reach the API from 127.0.0.1, set here as a trusted proxy: each request names
the client it stands for in ``X-Forwarded-For``, so one test can be many addresses. The
limits refill over an hour, so nothing refills during a test, however loaded the machine.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import httpx

from tests.stack.conftest import Stack
from tests.support import Api

APIS = 1
WORKERS = 0
STACK_ENV = {
    "BOLT_RATE_LIMITS_ENABLED": "true",
    "BOLT_TRUSTED_PROXIES": "127.0.0.1",
    "BOLT_RATE_LIMIT_LOGIN_PER_IP": "10/hour",
    "BOLT_RATE_LIMIT_LOGIN_PER_ACCOUNT": "20/hour",
    "BOLT_RATE_LIMIT_REGISTER_PER_IP": "3/hour",
    "BOLT_RATE_LIMIT_BOOKINGS_PER_USER": "5/hour",
    "BOLT_RATE_LIMIT_BOOKINGS_PER_IP": "off",
    "BOLT_RATE_LIMIT_READS_PER_IP": "20/hour",
    "BOLT_RATE_LIMIT_READS_PER_USER": "off",
}
PASSWORD = "owner-password-123"

_addresses = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def address() -> str:
    """A client address no other request of this module used."""
    return next(_addresses)


def via_proxy(client: str, **headers: str) -> dict[str, str]:
    return {"X-Forwarded-For": client, **headers}


async def register(api: Api, client: str, email: str | None = None) -> httpx.Response:
    email = email or f"buyer-{uuid.uuid4().hex[:12]}@tests.bolttickets.dev"
    return await api.http.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD}, headers=via_proxy(client)
    )


async def login(api: Api, client: str, email: str, password: str) -> httpx.Response:
    response = await api.http.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=via_proxy(client)
    )
    api.http.cookies.clear()
    return response


async def buyer(api: Api) -> str:
    client = address()
    registered = await register(api, client)
    assert registered.status_code == 201, registered.text
    logged_in = await login(api, client, registered.json()["email"], PASSWORD)
    assert logged_in.status_code == 200, logged_in.text
    return str(logged_in.json()["access_token"])


def assert_limited(response: httpx.Response, policy: str, quota: int, window: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/rate-limited"
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= window
    assert response.headers["RateLimit-Policy"] == f'"{policy}";q={quota};w={window}'
    assert response.headers["RateLimit"] == f'"{policy}";r=0;t={retry_after}'


async def test_a_brute_force_from_one_address_is_refused_but_the_owner_logs_in_elsewhere(
    api: Api,
) -> None:
    email = (await register(api, address())).json()["email"]
    attacker = address()

    statuses = []
    for attempt in range(200):
        # Whatever the attacker puts on the left, the proxy appended the address it saw.
        spoofed = f"10.0.{attempt // 250}.{attempt % 250 + 1}"
        response = await api.http.post(
            "/api/auth/login",
            json={"email": email, "password": f"guess-{attempt}"},
            headers=via_proxy(f"{spoofed}, {attacker}"),
        )
        statuses.append(response.status_code)

    assert statuses == [401] * 10 + [429] * 190
    assert_limited(response, "login-per-ip", 10, 3600)
    # The owner, from another address, is not locked out: the account's own limit is
    # looser than one address can spend.
    owner = await login(api, address(), email, PASSWORD)
    assert owner.status_code == 200, owner.text


async def test_an_account_is_limited_across_addresses(api: Api) -> None:
    email = (await register(api, address())).json()["email"]

    statuses = [
        (await login(api, address(), email, "wrong-password")).status_code for _ in range(21)
    ]

    assert statuses == [401] * 20 + [429]


async def test_registrations_are_limited_per_address(api: Api) -> None:
    client = address()

    statuses = [(await register(api, client)).status_code for _ in range(4)]

    assert statuses == [201, 201, 201, 429]
    assert (await register(api, address())).status_code == 201


async def test_a_burst_of_bookings_from_one_user_is_429_with_the_headers(
    api: Api, stack: Stack
) -> None:
    ticket_type = (await api.create_event([100]))["ticket_types"][0]["id"]
    token = await buyer(api)

    answers = [await api.book(token, ticket_type, 1, f"burst-{i}") for i in range(8)]

    assert [a.status_code for a in answers] == [202] * 5 + [429] * 3
    assert_limited(answers[-1], "bookings-per-user", 5, 3600)
    # Another buyer is not limited by this one.
    assert (await api.book(await buyer(api), ticket_type, 1, "other")).status_code == 202


async def test_a_limited_booking_leaves_the_stock_untouched(api: Api, stack: Stack) -> None:
    ticket_type = (await api.create_event([100]))["ticket_types"][0]["id"]
    token = await buyer(api)
    for i in range(5):
        assert (await api.book(token, ticket_type, 1, f"spent-{i}")).status_code == 202
    before_stock = await _stock_state(stack, ticket_type)
    refused_before = await _rate_limited_count(api)

    refused = [await api.book(token, ticket_type, 2, f"refused-{i}") for i in range(10)]

    assert {r.status_code for r in refused} == {429}
    assert await _stock_state(stack, ticket_type) == before_stock
    assert before_stock["stock"][b"remaining"] == b"95"
    assert len(before_stock["holds"]) == 5
    assert await _rate_limited_count(api) == refused_before + 10


async def test_reads_are_limited_per_address(api: Api) -> None:
    client = address()

    statuses = [
        (await api.http.get("/api/events", headers=via_proxy(client))).status_code
        for _ in range(21)
    ]

    assert statuses == [200] * 20 + [429]
    assert_limited(
        await api.http.get("/api/events", headers=via_proxy(client)), "reads-per-ip", 20, 3600
    )
    assert (await api.http.get("/api/events", headers=via_proxy(address()))).status_code == 200


async def _stock_state(stack: Stack, ticket_type: str) -> dict[str, Any]:
    """Every hash the reservation script writes for this ticket type, and the hold index."""
    redis = stack.redis()
    try:
        prefix = f"{stack.redis_prefix}:{{{ticket_type}}}"
        state: dict[str, Any] = {
            part: await redis.hgetall(f"{prefix}:{part}")
            for part in ("stock", "users", "fingerprints", "holds")
        }
        state["sent"] = await redis.zrange(f"{prefix}:sent", 0, -1, withscores=True)
        state["hold_index"] = sorted(
            [key async for key in redis.scan_iter(match=f"{stack.redis_prefix}:hold:*")]
        )
        return state
    finally:
        await redis.aclose()


async def _rate_limited_count(api: Api) -> float:
    metrics = (await api.internal.get("/metrics")).text
    found = re.search(
        r'^bolttickets_booking_admissions_total\{outcome="rate_limited"\} (\S+)$',
        metrics,
        re.MULTILINE,
    )
    assert found is not None, "the admissions metric has no rate_limited outcome"
    return float(found[1])
