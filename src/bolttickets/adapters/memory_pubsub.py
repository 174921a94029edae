"""In-process pub/sub for the embedded mode: every subscription gets every message."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable


class MemorySubscription:
    """In one process nothing is ever missed, so there is never a gap to report."""

    def __init__(self, owner: MemoryPubSub, channel: str) -> None:
        self._owner = owner
        self._channel = channel
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (message := await self.queue.get()) is not None:
            yield message

    async def close(self) -> None:
        self._owner.subscriptions[self._channel].discard(self)
        self.queue.put_nowait(None)  # ends the iteration, as a closed Redis subscription does


class MemoryPubSub:
    def __init__(self) -> None:
        self.subscriptions: defaultdict[str, set[MemorySubscription]] = defaultdict(set)

    async def publish(self, channel: str, message: bytes) -> None:
        for subscription in self.subscriptions[channel]:
            subscription.queue.put_nowait(message)

    async def subscribe(
        self, channel: str, on_gap: Callable[[], None] | None = None
    ) -> MemorySubscription:
        subscription = MemorySubscription(self, channel)
        self.subscriptions[channel].add(subscription)
        return subscription
