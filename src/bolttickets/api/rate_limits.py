"""Which requests spend which rate limit, and the 429 that refuses them.

Each policy is a GCRA rate (``services.ports.Rate``) per client address or per user,
spent through the process's ``RateLimiter`` (Redis on the full stack, memory on the
embedded default) before the request does any work of its own: a refused login hashes no
password, a refused booking never reaches the stock. The client's address is the socket
peer's, or, from a trusted proxy (``BOLT_TRUSTED_PROXIES``), the one
``ProxyHeadersMiddleware`` read from ``X-Forwarded-For`` (``app.create_app``).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import dataclass
from ipaddress import IPv6Network
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from bolttickets.api import problems
from bolttickets.api.schemas import Problem
from bolttickets.api.security import Unauthorized, authenticate
from bolttickets.config import Settings
from bolttickets.services.accounts import Actor
from bolttickets.services.ports import Quota, Rate, RateLimiter


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    rate: Rate | None
    """None: this limit is off."""


class RateLimited(Exception):
    def __init__(self, policy: Policy, quota: Quota) -> None:
        super().__init__(policy.name)
        self.policy = policy
        self.quota = quota


class RateLimits:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter

        def policy(name: str, rate: Rate | None) -> Policy:
            return Policy(name, rate if settings.rate_limits_enabled else None)

        self._login_ip = policy("login-per-ip", settings.rate_limit_login_per_ip)
        self._login_account = policy("login-per-account", settings.rate_limit_login_per_account)
        self._register_ip = policy("register-per-ip", settings.rate_limit_register_per_ip)
        self._bookings_ip = policy("bookings-per-ip", settings.rate_limit_bookings_per_ip)
        self._bookings_user = policy("bookings-per-user", settings.rate_limit_bookings_per_user)
        self._reads_ip = policy("reads-per-ip", settings.rate_limit_reads_per_ip)
        self._reads_user = policy("reads-per-user", settings.rate_limit_reads_per_user)

    async def login(self, request: Request, email: str) -> None:
        await self._spend(self._login_ip, _client(request))
        # Hashed: an address in Redis's keys is personal data enough.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        await self._spend(self._login_account, account)

    async def register(self, request: Request) -> None:
        await self._spend(self._register_ip, _client(request))

    async def booking(self, request: Request, actor: Actor) -> None:
        await self._spend(self._bookings_user, str(actor.user_id))
        await self._spend(self._bookings_ip, _client(request))

    async def read(self, request: Request) -> None:
        await self._spend(self._reads_ip, _client(request))
        try:
            actor = await authenticate(request)
        except Unauthorized:
            return  # an anonymous read, or one the route itself will refuse
        await self._spend(self._reads_user, str(actor.user_id))

    async def _spend(self, policy: Policy, client: str) -> None:
        if policy.rate is None:
            return
        quota = await self._limiter.acquire(f"{policy.name}:{client}", policy.rate)
        if not quota.allowed:
            raise RateLimited(policy, quota)


def _client(request: Request) -> str:
    host = request.client.host if request.client is not None else "unknown"
    if ":" in host:
        # One IPv6 subscriber gets a whole /64: any address in it is the same client.
        with contextlib.suppress(ValueError):  # not an address: a proxy's odd entry
            return str(IPv6Network(f"{host}/64", strict=False).network_address)
    return host


def limits(request: Request) -> RateLimits:
    found: RateLimits = request.app.state.rate_limits
    return found


async def _reads(request: Request) -> None:
    await limits(request).read(request)


async def _bookings(request: Request) -> None:
    await limits(request).booking(request, await authenticate(request))


READS = Depends(_reads)
"""A route dependency: the request spends the read limits."""
BOOKINGS = Depends(_bookings)
"""A route dependency: the (authenticated) request spends the booking limits."""

_HEADER = {"schema": {"type": "string"}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "description": "Too many requests from this client or user: wait Retry-After "
        "seconds. RateLimit-Policy and RateLimit (draft-ietf-httpapi-ratelimit-headers-10) "
        "name the policy that refused it.",
        "headers": {
            "Retry-After": {"description": "Seconds", "schema": {"type": "integer"}},
            "RateLimit-Policy": {"description": 'e.g. "login-per-ip";q=10;w=60', **_HEADER},
            "RateLimit": {"description": 'e.g. "login-per-ip";r=0;t=6', **_HEADER},
        },
    }
}
"""The 429 answer, for the ``responses`` of every limited operation."""


async def too_many_requests(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    rate, name = exc.policy.rate, exc.policy.name
    assert rate is not None
    retry_after = max(1, math.ceil(exc.quota.retry_after))
    # The structured fields (RFC 9651 Lists of Items) of draft-ietf-httpapi-ratelimit-
    # headers-10: the policy's quota q per window w, and what remains of it (r) until t.
    headers = {
        "Retry-After": str(retry_after),
        "RateLimit-Policy": f'"{name}";q={rate.limit};w={rate.period_seconds}',
        "RateLimit": f'"{name}";r={exc.quota.remaining};t={retry_after}',
    }
    detail = f"Too many requests ({name}): at most {rate.limit} every {rate.period_seconds} s."
    return problems.problem(429, *problems.RATE_LIMITED, detail, headers=headers)
