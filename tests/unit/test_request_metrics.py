"""HTTP requests are counted under their route template, with bounded labels."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from prometheus_client import REGISTRY

from bolttickets.adapters.memory_rate_limiter import MemoryRateLimiter
from bolttickets.api.app import create_app
from bolttickets.api.rate_limits import RateLimits
from bolttickets.config import Settings

REQUESTS = "bolttickets_http_requests_total"


def count(route: str, method: str, status: str) -> float:
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value(REQUESTS, labels) or 0.0


async def test_requests_are_counted_by_template_never_by_raw_path() -> None:
    @asynccontextmanager
    async def unused(_: Any) -> AsyncIterator[None]:
        yield

    settings = Settings(jwt_secret="unit-test-secret-0123456789abcdefghijkl", env="test")
    app = create_app(settings, unused)  # type: ignore[arg-type]
    app.state.rate_limits = RateLimits(MemoryRateLimiter(), settings)
    looked_up = ("/api/bookings/{booking_id}", "GET", "401")
    unmatched = ("<unmatched>", "GET", "404")
    odd_method = ("<unmatched>", "other", "404")
    before = [count(*labels) for labels in (looked_up, unmatched, odd_method)]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        for _ in range(3):  # three bookings, one series
            assert (await http.get(f"/api/bookings/{uuid.uuid4()}")).status_code == 401
        assert (await http.get(f"/api/no-such-thing/{uuid.uuid4()}")).status_code == 404
        for word in ("BREW", "PROPFIND"):
            assert (await http.request(word, "/api/no-such-thing")).status_code == 404

    after = [count(*labels) for labels in (looked_up, unmatched, odd_method)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [3, 1, 2]
