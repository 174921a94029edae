"""Calls made in the same event-loop tick, answered together.

In a rush every buyer's request reaches the same store at about the same moment: one call
for the tick's requests shares the connection checkout, the round trip and, for a
database, the transaction, which cost far more than the work each request adds. Order is
kept, results go back to their callers, and a result that is an error fails only its own
call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


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
