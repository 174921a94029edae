"""In-process pub/sub for the embedded mode: every subscription gets every message."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator


class MemorySubscription:
    def __init__(self, owner: MemoryPubSub, channel: str) -> None:
        self._owner = owner
        self._channel = channel
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield await self.queue.get()

    async def close(self) -> None:
        self._owner.subscriptions[self._channel].discard(self)


class MemoryPubSub:
    def __init__(self) -> None:
        self.subscriptions: defaultdict[str, set[MemorySubscription]] = defaultdict(set)

    async def publish(self, channel: str, message: bytes) -> None:
        for subscription in self.subscriptions[channel]:
            subscription.queue.put_nowait(message)

    async def subscribe(self, channel: str) -> MemorySubscription:
        subscription = MemorySubscription(self, channel)
        self.subscriptions[channel].add(subscription)
        return subscription
