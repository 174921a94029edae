"""Calls made in the same event-loop tick go to Redis together.

In a rush every buyer's request reaches Redis at about the same moment; redis-py would give
each its own pool checkout, write and read. Gathering them shares one of each, which is
where redis-py spends most of its time per command (ioredis and Lettuce do the same thing
and call it auto-pipelining; redis-py has no such mode). ``TickBatch`` does the gathering:
``AutoPipeline`` sends a tick's commands as one pipeline, and ``RedisStockStore`` a tick's
reservations as one script call. Order is kept, results go back to their callers, and a
result that is an error fails only its own call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from redis.exceptions import NoScriptError

from bolttickets.adapters.redis_client import RedisClient

T = TypeVar("T")
R = TypeVar("R")
_MAX_BATCH = 512


class TickBatch(Generic[T, R]):
    """``send`` gets the items submitted in one tick (at most ``max_batch`` a call) and
    returns one result per item, an exception instance failing that item alone."""

    def __init__(
        self, send: Callable[[list[T]], Awaitable[Sequence[R | Exception]]], max_batch: int
    ) -> None:
        self._send = send
        self._max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((item, future))
        return await future

    def _flush(self) -> None:
        size = self._max_batch
        while self._pending:
            batch, self._pending = self._pending[:size], self._pending[size:]
            task = asyncio.create_task(self._answer(batch))
            self._tasks.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._send([item for item, _ in batch])
        except Exception as exc:  # the connection failed: every call of the batch did
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # its caller was cancelled
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)


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
