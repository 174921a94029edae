"""The PubSub contract, on the in-process adapter and on Redis; and Redis's reconnection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
import redis.asyncio as aioredis

from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.redis_pubsub import RedisPubSub
from bolttickets.adapters.redis_stock import connect_redis
from bolttickets.services.ports import PubSub, Subscription

WAIT = 10.0


@pytest.fixture(scope="session")
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = await connect_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def pubsub(request: pytest.FixtureRequest) -> PubSub:
    if request.param == "memory":
        return MemoryPubSub()
    return RedisPubSub(request.getfixturevalue("redis_client"))


@pytest.fixture
def channel() -> str:
    return f"bolt-test-{uuid4()}"


class Inbox:
    """Reads a subscription in the background, as the realtime hub does."""

    def __init__(self, subscription: Subscription) -> None:
        self.messages: list[bytes] = []
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read(subscription))

    async def _read(self, subscription: Subscription) -> None:
        async for message in subscription:
            self.messages.append(message)
            self._arrived.set()

    async def next_arrival(self) -> None:
        self._arrived.clear()
        await self._arrived.wait()

    async def wait_for(self, *expected: bytes) -> None:
        async with asyncio.timeout(WAIT):
            while not set(expected) <= set(self.messages):
                await self.next_arrival()

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


@pytest.fixture
async def inboxes() -> AsyncIterator[list[Inbox]]:
    """Started inboxes are stopped after the test, whatever happened."""
    started: list[Inbox] = []
    yield started
    for inbox in started:
        await inbox.stop()


async def listen(pubsub: PubSub, channel: str, inboxes: list[Inbox]) -> tuple[Subscription, Inbox]:
    subscription = await pubsub.subscribe(channel)
    inboxes.append(Inbox(subscription))
    return subscription, inboxes[-1]


async def test_a_subscriber_gets_what_is_published_after_subscribe(
    pubsub: PubSub, channel: str, inboxes: list[Inbox]
) -> None:
    _, inbox = await listen(pubsub, channel, inboxes)

    await pubsub.publish(channel, b"first")
    await pubsub.publish(channel, b"second")

    await inbox.wait_for(b"first", b"second")
    assert inbox.messages == [b"first", b"second"]


async def test_every_subscriber_gets_every_message(
    pubsub: PubSub, channel: str, inboxes: list[Inbox]
) -> None:
    _, one = await listen(pubsub, channel, inboxes)
    _, other = await listen(pubsub, channel, inboxes)

    await pubsub.publish(channel, b"hello")

    await one.wait_for(b"hello")
    await other.wait_for(b"hello")


async def test_other_channels_stay_out(pubsub: PubSub, channel: str, inboxes: list[Inbox]) -> None:
    _, inbox = await listen(pubsub, channel, inboxes)

    await pubsub.publish(f"{channel}-other", b"not for you")
    await pubsub.publish(channel, b"for you")

    # Published after the other one, so once it is here the other one would be too.
    await inbox.wait_for(b"for you")
    assert inbox.messages == [b"for you"]


async def test_close_stops_delivery(pubsub: PubSub, channel: str, inboxes: list[Inbox]) -> None:
    closed, closed_inbox = await listen(pubsub, channel, inboxes)
    _, witness = await listen(pubsub, channel, inboxes)

    await closed.close()
    await pubsub.publish(channel, b"after close")

    await witness.wait_for(b"after close")
    assert closed_inbox.messages == []


async def test_redis_subscription_comes_back_after_its_connection_is_killed(
    redis_client: aioredis.Redis, channel: str, inboxes: list[Inbox]
) -> None:
    pubsub = RedisPubSub(redis_client)
    _, inbox = await listen(pubsub, channel, inboxes)
    await pubsub.publish(channel, b"before")
    await inbox.wait_for(b"before")

    assert await redis_client.client_kill_filter(_type="pubsub") >= 1

    # Messages sent while it reconnects are lost (pub/sub is at most once): keep publishing
    # until one gets through.
    async with asyncio.timeout(WAIT):
        while len(inbox.messages) == 1:
            await pubsub.publish(channel, b"after")
            try:
                async with asyncio.timeout(0.1):
                    await inbox.next_arrival()
            except TimeoutError:
                continue
    assert inbox.messages[1:2] == [b"after"]
