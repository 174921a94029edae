"""TickBatch: the calls of one tick answered by one, each with its own result."""

from __future__ import annotations

import asyncio

from bolttickets.services.tick_batch import TickBatch


class Store:
    """Answers each item doubled and an odd one with an error, or fails the whole call."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.fails = False

    async def send(self, items: list[int]) -> list[int | Exception]:
        self.calls.append(items)
        await asyncio.sleep(0)  # a round trip
        if self.fails:
            raise ConnectionError("the store went away")
        return [ValueError(item) if item % 2 else item * 2 for item in items]


async def test_a_tick_s_calls_are_answered_by_one_each_with_its_own_result() -> None:
    store = Store()
    batch = TickBatch(store.send, max_batch=10)

    results = await asyncio.gather(*(batch.submit(i) for i in range(4)), return_exceptions=True)

    assert store.calls == [[0, 1, 2, 3]]
    assert results[0::2] == [0, 4]
    assert [type(r) for r in results[1::2]] == [ValueError, ValueError]


async def test_a_tick_s_calls_beyond_the_batch_size_go_in_more_calls_at_once() -> None:
    store = Store()
    batch = TickBatch(store.send, max_batch=3)

    assert await asyncio.gather(*(batch.submit(i) for i in range(0, 20, 2))) == [
        i * 2 for i in range(0, 20, 2)
    ]
    assert [len(c) for c in store.calls] == [3, 3, 3, 1]


async def test_a_failed_call_fails_every_item_of_it_and_the_next_tick_goes_on() -> None:
    store = Store()
    store.fails = True
    batch = TickBatch(store.send, max_batch=10)
    failed = await asyncio.gather(*(batch.submit(i) for i in (0, 2)), return_exceptions=True)
    store.fails = False

    assert [type(f) for f in failed] == [ConnectionError, ConnectionError]
    assert await batch.submit(4) == 8
    assert store.calls == [[0, 2], [4]]
