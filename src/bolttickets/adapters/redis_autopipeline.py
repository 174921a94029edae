"""Calls made in the same event-loop tick go to Redis together.

In a rush every buyer's request reaches Redis at about the same moment; redis-py would give
each its own pool checkout, write and read. Gathering them shares one of each, which is
where redis-py spends most of its time per command (ioredis and Lettuce do the same thing
and call it auto-pipelining; redis-py has no such mode). ``TickBatch`` does the gathering:
``AutoPipeline`` sends a tick's commands as one pipeline, and ``RedisStockStore`` a tick's
reservations as one script call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.exceptions import NoScriptError

from bolttickets.adapters.redis_client import RedisClient
from bolttickets.services.tick_batch import TickBatch

_MAX_BATCH = 512


class AutoPipeline:
    def __init__(self, client: RedisClient) -> None:
        self._redis = client
        self._batch: TickBatch[tuple[Any, ...], Any] = TickBatch(self._send, _MAX_BATCH)

    async def execute(self, *args: Any) -> Any:
        return await self._batch.submit(args)

    async def evalsha(
        self, sha: str, script: str | bytes | memoryview, keys: Sequence[str], args: Sequence[Any]
    ) -> Any:
        """EVALSHA, falling back to EVAL when Redis lost its scripts (a restart)."""
        try:
            return await self.execute("EVALSHA", sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self.execute("EVAL", script, len(keys), *keys, *args)

    async def _send(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for args in commands:
                pipe.execute_command(*args)
            replies: list[Any] = await pipe.execute(raise_on_error=False)
        return replies
