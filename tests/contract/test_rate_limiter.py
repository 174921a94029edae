"""The RateLimiter contract: GCRA in memory and in Redis, held to the same answers.

Bursts use rates whose refill takes minutes, so the machine's load cannot refill a request
in between; refill waits for the retry-after the limiter itself gave, never a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from bolttickets.adapters.memory_rate_limiter import MemoryRateLimiter
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_rate_limiter import RedisRateLimiter
from bolttickets.services.ports import Rate, RateLimiter
from tests.support import redis_namespace

SLOW = Rate(5, 3600)
"""Five at once, then one every 12 minutes: nothing refills during a test."""


@contextlib.asynccontextmanager
async def fresh_limiter(client: RedisClient) -> AsyncIterator[RedisRateLimiter]:
    async with redis_namespace(client) as namespace:
        limiter = RedisRateLimiter(client, namespace)
        await limiter.start()
        yield limiter


@pytest.fixture
async def redis_limiter(redis_client: RedisClient) -> AsyncIterator[RedisRateLimiter]:
    async with fresh_limiter(redis_client) as limiter:
        yield limiter


@pytest.fixture
async def redis_cluster_limiter(
    redis_cluster_client: RedisClient,
) -> AsyncIterator[RedisRateLimiter]:
    async with fresh_limiter(redis_cluster_client) as limiter:
        yield limiter


@pytest.fixture(params=["memory", "redis", "redis_cluster"])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    if request.param == "memory":
        return MemoryRateLimiter()
    found: RateLimiter = request.getfixturevalue(f"{request.param}_limiter")
    return found


async def test_a_burst_of_the_limit_is_allowed_and_counted_down(limiter: RateLimiter) -> None:
    quotas = [await limiter.acquire("client", SLOW) for _ in range(SLOW.limit)]

    assert all(q.allowed and q.retry_after == 0 for q in quotas)
    assert [q.remaining for q in quotas] == [4, 3, 2, 1, 0]


async def test_past_the_burst_is_refused_with_the_time_to_wait(limiter: RateLimiter) -> None:
    for _ in range(SLOW.limit):
        assert (await limiter.acquire("client", SLOW)).allowed

    refused = await limiter.acquire("client", SLOW)

    assert not refused.allowed and refused.remaining == 0
    # The next request is one emission interval (12 minutes) after the first.
    assert 700 < refused.retry_after <= 720


async def test_a_refusal_spends_nothing(limiter: RateLimiter) -> None:
    for _ in range(SLOW.limit):
        await limiter.acquire("client", SLOW)
    first = await limiter.acquire("client", SLOW)
    for _ in range(20):
        await limiter.acquire("client", SLOW)

    again = await limiter.acquire("client", SLOW)

    assert not again.allowed
    # Waiting never grows with the refusals: they are not counted.
    assert again.retry_after <= first.retry_after


async def test_clients_and_policies_have_allowances_of_their_own(limiter: RateLimiter) -> None:
    for _ in range(SLOW.limit):
        await limiter.acquire("login:a", SLOW)

    assert not (await limiter.acquire("login:a", SLOW)).allowed
    assert (await limiter.acquire("login:b", SLOW)).allowed
    assert (await limiter.acquire("reads:a", SLOW)).allowed


async def test_the_allowance_refills_after_retry_after(limiter: RateLimiter) -> None:
    rate = Rate(2, 2)  # two at once, then one a second
    for _ in range(rate.limit):
        assert (await limiter.acquire("client", rate)).allowed
    refused = await limiter.acquire("client", rate)
    assert not refused.allowed and 0 < refused.retry_after <= 1

    await asyncio.sleep(refused.retry_after)

    assert (await limiter.acquire("client", rate)).allowed


async def test_an_idle_client_gets_its_whole_burst_back(limiter: RateLimiter) -> None:
    rate = Rate(3, 1)
    for _ in range(rate.limit):
        await limiter.acquire("client", rate)

    await asyncio.sleep(rate.period_seconds)
    # However late this runs (a loaded machine), it never holds more than its burst.
    first = await limiter.acquire("client", rate)

    assert first.allowed and first.remaining == rate.limit - 1


async def test_concurrent_requests_never_exceed_the_burst(limiter: RateLimiter) -> None:
    quotas = await asyncio.gather(*(limiter.acquire("client", SLOW) for _ in range(50)))

    assert sum(q.allowed for q in quotas) == SLOW.limit
