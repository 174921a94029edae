"""Commands issued in the same event-loop tick go to Redis as one pipeline.

In a rush every buyer's request reaches Redis at about the same moment; redis-py would give
each its own pool checkout, write and read. Gathering them shares one of each, which is
where redis-py spends most of its time per command (ioredis and Lettuce do the same thing
and call it auto-pipelining; redis-py has no such mode). Order is kept, replies go back to
their callers, and a reply that is an error fails only its own command.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.exceptions import NoScriptError

from bolttickets.adapters.redis_client import RedisClient

_MAX_BATCH = 512


class AutoPipeline:
    def __init__(self, client: RedisClient) -> None:
        self._redis = client
        self._pending: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def execute(self, *args: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append((args, future))
        return await future

    async def evalsha(
        self, sha: str, script: str | bytes | memoryview, keys: list[str], args: list[Any]
    ) -> Any:
        """EVALSHA, falling back to EVAL when Redis lost its scripts (a restart)."""
        try:
            return await self.execute("EVALSHA", sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self.execute("EVAL", script, len(keys), *keys, *args)

    def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:_MAX_BATCH], self._pending[_MAX_BATCH:]
            task = asyncio.create_task(self._send(batch))
            self._tasks.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for args, _ in batch:
                    pipe.execute_command(*args)
                replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # the connection failed: every command of the batch did
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # its caller was cancelled
                continue
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)
