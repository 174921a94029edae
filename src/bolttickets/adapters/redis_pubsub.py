"""Redis pub/sub for the full stack: every API replica hears what any process publishes.

A subscription owns one connection. When it drops (a Redis restart, a failover, a killed
client) the subscription reconnects with backoff and subscribes again by itself: it never
ends while it is open. Messages published while it was away are lost — pub/sub delivers at
most once — which is why the realtime protocol carries versions and snapshots.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import structlog
from redis.asyncio.client import PubSub as RedisClientPubSub
from redis.exceptions import TimeoutError as RedisTimeoutError

from bolttickets.adapters.redis_client import RedisClient

log = structlog.get_logger("bolttickets.redis")


class RedisSubscription:
    """A reader task of its own receives the messages: only it ever touches the connection,
    so closing never hands the pool a connection someone is still reading from."""

    def __init__(
        self,
        client: RedisClient,
        channel: str,
        *,
        ping_every: float = 15.0,
        backoff: tuple[float, float] = (0.05, 5.0),
        on_gap: Callable[[], None] | None = None,
    ) -> None:
        """``ping_every``: seconds of silence before a PING, and again before the connection
        is taken for dead (a half-open TCP connection never reports an error by itself).
        ``backoff``: first and largest delay between reconnection attempts."""
        self._client = client
        self._channel = channel
        self._ping_every = ping_every
        self._backoff = backoff
        self._on_gap = on_gap or (lambda: None)
        self._messages: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pinged = False
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Subscribe, returning only once Redis confirmed it."""
        pubsub = await self._subscribe()
        self._reader = asyncio.create_task(self._read(pubsub), name=f"subscription {self._channel}")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (message := await self._messages.get()) is not None:
            yield message

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        self._messages.put_nowait(None)

    async def _subscribe(self) -> RedisClientPubSub:
        pubsub = self._client.pubsub()
        self._pinged = False
        try:
            await pubsub.subscribe(self._channel)
            while (reply := await self._receive(pubsub)) is None or reply["type"] != "subscribe":
                pass
        except BaseException:
            await _close(pubsub)
            raise
        return pubsub

    async def _read(self, pubsub: RedisClientPubSub) -> None:
        try:
            while True:
                try:
                    reply = await self._receive(pubsub)
                except Exception as exc:
                    log.warning(
                        "redis.pubsub_lost",
                        channel=self._channel,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                    await _close(pubsub)
                    pubsub = await self._resubscribe()
                    self._on_gap()
                    continue
                if reply is None:
                    continue
                if reply["type"] == "message":
                    self._messages.put_nowait(reply["data"])
                elif reply["type"] == "subscribe":
                    # redis-py reconnected on its own and replayed the SUBSCRIBE.
                    log.warning("redis.pubsub_resubscribed", channel=self._channel)
                    self._on_gap()
        finally:
            await _close(pubsub)  # closing twice is harmless

    async def _receive(self, pubsub: RedisClientPubSub) -> dict[str, Any] | None:
        """The next reply, or None after a quiet spell, once a PING has gone out. A PING
        left unanswered for another spell means the connection is dead."""
        reply: dict[str, Any] | None = await pubsub.get_message(timeout=self._ping_every)
        if reply is not None:
            self._pinged = False
            return reply
        if self._pinged:
            raise RedisTimeoutError(f"no answer to a PING within {self._ping_every}s")
        await pubsub.ping()
        self._pinged = True
        return None

    async def _resubscribe(self) -> RedisClientPubSub:
        delay, longest = self._backoff
        while True:
            # Full jitter: replicas that lost Redis together do not all come back at once.
            await asyncio.sleep(random.uniform(0, delay))
            try:
                pubsub = await self._subscribe()
            except Exception as exc:
                log.warning(
                    "redis.pubsub_retry",
                    channel=self._channel,
                    error=f"{type(exc).__name__}: {exc}",
                )
                delay = min(delay * 2, longest)
                continue
            log.warning("redis.pubsub_resubscribed", channel=self._channel)
            return pubsub


async def _close(pubsub: RedisClientPubSub) -> None:
    await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated


class RedisPubSub:
    def __init__(self, client: RedisClient, namespace: str = "bolt") -> None:
        """``namespace`` prefixes every channel, as it does the stock store's keys."""
        self._client = client
        self._namespace = namespace

    async def publish(self, channel: str, message: bytes) -> None:
        await self._client.publish(f"{self._namespace}:{channel}", message)

    async def subscribe(
        self, channel: str, on_gap: Callable[[], None] | None = None
    ) -> RedisSubscription:
        subscription = RedisSubscription(
            self._client, f"{self._namespace}:{channel}", on_gap=on_gap
        )
        await subscription.open()
        return subscription
