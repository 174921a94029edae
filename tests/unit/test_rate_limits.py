"""The rate limits' settings and their HTTP side, in process: which address a request is
counted against, and that a refused login never reaches the password check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError

from bolttickets.adapters.memory_rate_limiter import MemoryRateLimiter
from bolttickets.adapters.redis_rate_limiter import RedisRateLimiter
from bolttickets.api.app import create_app
from bolttickets.api.rate_limits import RateLimits
from bolttickets.config import Settings
from bolttickets.domain.errors import InvalidCredentials
from bolttickets.services.ports import Rate
from tests.support import free_port

SECRET = "unit-test-secret-0123456789abcdefghijkl"


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/minute", Rate(10, 60)),
        ("5/second", Rate(5, 1)),
        ("100/10minutes", Rate(100, 600)),
        (" 3 / hour ", Rate(3, 3600)),
        ("1/day", Rate(1, 86400)),
        ("off", None),
    ],
)
def test_a_rate_is_read_from_its_setting(text: str, rate: Rate | None) -> None:
    settings = Settings(jwt_secret=SECRET, rate_limit_reads_per_ip=text)

    assert settings.rate_limit_reads_per_ip == rate


@pytest.mark.parametrize(
    "text",
    ["10", "0/minute", "10/0minutes", "10/00hours", "10/fortnight", "-1/hour", "2000000/second"],
)
def test_a_malformed_rate_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="is not a rate"):
        Settings(jwt_secret=SECRET, rate_limit_reads_per_ip=text)


@pytest.mark.parametrize(("per_account"), ["5/minute", "20/hour"])
def test_an_account_limit_tighter_than_the_address_limit_is_refused(per_account: str) -> None:
    with pytest.raises(ValidationError, match="lock an account's owner out"):
        Settings(
            jwt_secret=SECRET,
            rate_limit_login_per_ip="10/minute",
            rate_limit_login_per_account=per_account,
        )


def test_trusted_proxies_are_a_comma_separated_list() -> None:
    settings = Settings(jwt_secret=SECRET, trusted_proxies="10.0.0.0/8, 192.0.2.7,::1")

    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]


class CountingAccounts:
    """Accounts whose every password is wrong; counts the checks (argon2, for real)."""

    def __init__(self) -> None:
        self.checked = 0

    async def authenticate(self, email: str, password: str, ip: str | None = None) -> Any:
        self.checked += 1
        raise InvalidCredentials()


@asynccontextmanager
async def client(**settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, CountingAccounts]]:
    """The app without its lifespan: the state a started server would hold, faked."""
    config = Settings(jwt_secret=SECRET, **settings)
    app = create_app(config, None)  # type: ignore[arg-type]
    accounts = CountingAccounts()
    # No login succeeds, so no session is ever opened.
    app.state.container = SimpleNamespace(accounts=accounts, sessions=None, settings=config)
    app.state.rate_limits = RateLimits(MemoryRateLimiter(), config)
    transport = httpx.ASGITransport(app=app, client=("192.0.2.1", 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http, accounts


async def _login(http: httpx.AsyncClient, **headers: str) -> int:
    response = await http.post(
        "/api/auth/login", json={"email": "owner@example.com", "password": "guess"}, headers=headers
    )
    return response.status_code


async def test_a_refused_login_never_checks_the_password() -> None:
    async with client(rate_limit_login_per_ip="10/hour") as (http, accounts):
        statuses = [await _login(http) for _ in range(50)]

    assert statuses == [401] * 10 + [429] * 40
    assert accounts.checked == 10


async def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    async with client(rate_limit_login_per_ip="2/hour") as (http, _):
        statuses = [await _login(http, **{"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(3)]

    assert statuses == [401, 401, 429]


async def test_forwarded_for_is_walked_from_the_right_over_trusted_hops() -> None:
    settings = {"rate_limit_login_per_ip": "2/hour", "trusted_proxies": "192.0.2.0/24"}
    async with client(**settings) as (http, _):
        # The client's own entries (left) vary; the trusted hops (right) are skipped.
        chains = [f"10.9.9.{i}, 203.0.113.5, 192.0.2.9" for i in range(3)]
        same_client = [await _login(http, **{"X-Forwarded-For": c}) for c in chains]
        other_client = await _login(http, **{"X-Forwarded-For": "203.0.113.6"})

    assert same_client == [401, 401, 429]
    assert other_client == 401


async def test_one_ipv6_subscriber_is_one_client() -> None:
    settings = {"rate_limit_login_per_ip": "2/hour", "trusted_proxies": "192.0.2.1"}
    async with client(**settings) as (http, _):
        # Three addresses of one /64, then one of another /64.
        addresses = ["2001:db8:1:2::1", "2001:db8:1:2::ff", "2001:db8:1:2:3::9", "2001:db8:1:3::1"]
        statuses = [await _login(http, **{"X-Forwarded-For": a}) for a in addresses]

    assert statuses == [401, 401, 429, 401]


async def test_no_limit_applies_while_they_are_disabled() -> None:
    async with client(rate_limits_enabled=False, rate_limit_login_per_ip="1/hour") as (http, _):
        statuses = [await _login(http) for _ in range(5)]

    assert statuses == [401] * 5


async def test_a_forwarded_entry_that_is_no_address_is_still_a_client() -> None:
    settings = {"rate_limit_login_per_ip": "1/hour", "trusted_proxies": "192.0.2.1"}
    async with client(**settings) as (http, _):
        statuses = [await _login(http, **{"X-Forwarded-For": "not:an:address"}) for _ in range(2)]

    assert statuses == [401, 429]


async def test_requests_pass_while_redis_does_not_answer() -> None:
    """The limits must not turn a Redis outage into one of their own: the booking then
    meets the stock's 503, which names it."""
    unreachable = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    limiter = RedisRateLimiter(unreachable, "bolt-unit")
    try:
        quotas = [await limiter.acquire("login-per-ip:192.0.2.1", Rate(1, 3600)) for _ in range(3)]
    finally:
        await unreachable.aclose()

    assert all(q.allowed for q in quotas)
