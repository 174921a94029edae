"""The SessionStore contract: the embedded store and the Redis one, held to the same answers.

Both read real time (a SystemClock, Redis's own expiry), so what expires here is given a
lifetime of a fraction of a second and waited for, never assumed gone at an instant.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import pytest

from bolttickets.adapters.memory_sessions import MemorySessionStore
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_sessions import RedisSessionStore
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import Rotation, SessionStore
from tests.support import eventually, redis_namespace

DAY = timedelta(days=1)
SHORT = timedelta(milliseconds=300)


@contextlib.asynccontextmanager
async def fresh_sessions(client: RedisClient) -> AsyncIterator[RedisSessionStore]:
    async with redis_namespace(client) as namespace:
        store = RedisSessionStore(client, namespace)
        yield store


@pytest.fixture
async def redis_sessions(redis_client: RedisClient) -> AsyncIterator[RedisSessionStore]:
    async with fresh_sessions(redis_client) as store:
        yield store


@pytest.fixture
async def redis_cluster_sessions(
    redis_cluster_client: RedisClient,
) -> AsyncIterator[RedisSessionStore]:
    async with fresh_sessions(redis_cluster_client) as store:
        yield store


@pytest.fixture(params=["memory", "redis", "redis_cluster"])
def store(request: pytest.FixtureRequest) -> SessionStore:
    if request.param == "memory":
        return MemorySessionStore(SystemClock())
    found: SessionStore = request.getfixturevalue(f"{request.param}_sessions")
    return found


async def test_rotation_replaces_the_current_token(store: SessionStore) -> None:
    user = uuid4()
    await store.create("s1", user, "h0", DAY)

    assert await store.rotate("s1", "h0", "h1", DAY) == (Rotation.ROTATED, user)
    assert await store.rotate("s1", "h1", "h2", DAY) == (Rotation.ROTATED, user)


async def test_a_replaced_token_is_a_reuse_and_rotates_nothing(store: SessionStore) -> None:
    user = uuid4()
    await store.create("s1", user, "h0", DAY)
    await store.rotate("s1", "h0", "h1", DAY)

    assert await store.rotate("s1", "h0", "stolen", DAY) == (Rotation.REUSED, user)
    # The current token is untouched by the reuse (the service revokes the session).
    assert await store.rotate("s1", "h1", "h2", DAY) == (Rotation.ROTATED, user)


async def test_tokens_the_session_never_had_are_unknown(store: SessionStore) -> None:
    user = uuid4()
    await store.create("s1", user, "h0", DAY)

    assert await store.rotate("s1", "forged", "h1", DAY) == (Rotation.UNKNOWN, None)
    assert await store.rotate("no-such-session", "h0", "h1", DAY) == (Rotation.UNKNOWN, None)
    # Guessing did not disturb the session.
    assert await store.rotate("s1", "h0", "h1", DAY) == (Rotation.ROTATED, user)


async def test_of_concurrent_rotations_of_one_token_exactly_one_wins(
    store: SessionStore,
) -> None:
    user = uuid4()
    await store.create("s1", user, "h0", DAY)

    outcomes = await asyncio.gather(*(store.rotate("s1", "h0", f"new-{i}", DAY) for i in range(20)))

    assert Counter(o for o, _ in outcomes) == {Rotation.ROTATED: 1, Rotation.REUSED: 19}


async def test_a_session_expires_unless_refreshed(store: SessionStore) -> None:
    user = uuid4()
    await store.create("s1", user, "h0", SHORT)

    await eventually(lambda: store.sessions_of(user), lambda sessions: sessions == [])
    assert await store.rotate("s1", "h0", "h1", SHORT) == (Rotation.UNKNOWN, None)


async def test_revoked_sessions_are_gone_and_remembered_for_a_while(store: SessionStore) -> None:
    user = uuid4()
    await store.create("s1", user, "h0", DAY)
    await store.create("s2", user, "k0", DAY)
    assert not await store.is_revoked("s1")

    await store.revoke(["s1"], SHORT)

    assert await store.is_revoked("s1")
    assert not await store.is_revoked("s2")
    assert await store.rotate("s1", "h0", "h1", DAY) == (Rotation.UNKNOWN, None)
    assert await store.sessions_of(user) == ["s2"]
    # Remembered as long as its access tokens live, then forgotten.
    await eventually(lambda: store.is_revoked("s1"), lambda revoked: not revoked)


async def test_sessions_of_lists_only_the_users_live_sessions(store: SessionStore) -> None:
    user, other = uuid4(), uuid4()
    await store.create("a", user, "h", DAY)
    await store.create("b", user, "h", DAY)
    await store.create("c", other, "h", DAY)

    assert sorted(await store.sessions_of(user)) == ["a", "b"]
    await store.revoke(["a", "b"], DAY)
    assert await store.sessions_of(user) == []
    assert await store.sessions_of(other) == ["c"]
