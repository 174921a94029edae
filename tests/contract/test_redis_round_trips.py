"""What a booking costs Redis on a single node: one script call, seen by Redis's MONITOR.

The contract suite (test_stock_store.py) holds the answers; these tests hold the round trips:
the reservation with its hold index in one EVALSHA, a tick's reservations in one EVALSHA for
the whole group with the answers of as many calls in order, and settling in one EVALSHA.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest
import redis.asyncio as aioredis

from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.redis_stock import RedisStockStore
from bolttickets.domain.requests import BookingRequest
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import Admission, Settlement, StockStore
from tests.contract.test_stock_store import fresh_store, request, stock_load

# What a client sends when it opens a connection, once per pooled connection.
HANDSHAKE = frozenset({"HELLO", "CLIENT", "SELECT", "AUTH"})


@pytest.fixture
async def store(redis_client: aioredis.Redis) -> AsyncIterator[RedisStockStore]:
    async with fresh_store(redis_client, single_node=True) as stock:
        assert isinstance(stock, RedisStockStore)
        yield stock


async def commands_sent(client: aioredis.Redis, action: Callable[[], Awaitable[Any]]) -> list[str]:
    """The names of the commands clients sent Redis while ``action`` ran (not those a script
    ran), from MONITOR; it ends at a marker this client sends after ``action``."""
    marker = f"end-of-action-{uuid4().hex}"
    sent: list[str] = []
    async with client.monitor() as monitor:
        await action()
        await client.echo(marker)
        while True:
            command = await asyncio.wait_for(monitor.next_command(), timeout=60)
            if marker in command["command"]:
                return sent
            name = command["command"].split(" ", 1)[0].upper()
            if command["client_type"] != "lua" and name not in HANDSHAKE:
                sent.append(name)


async def reserve_at_once(stock: StockStore, requests: Sequence[BookingRequest]) -> list[Admission]:
    return list(await asyncio.gather(*(stock.reserve(r) for r in requests)))


async def remaining(stock: StockStore, *ticket_type_ids: UUID) -> dict[UUID, int]:
    return {tt: inv.remaining for tt, inv in (await stock.inventory(ticket_type_ids)).items()}


async def test_a_keyed_booking_is_one_script_call(
    store: RedisStockStore, redis_client: aioredis.Redis
) -> None:
    tt = uuid4()
    await store.load(stock_load(tt, 10))
    booking = request(tt, key="intent-1")

    sent = await commands_sent(redis_client, lambda: store.reserve(booking))

    assert sent == ["EVALSHA"]
    # The hold index was written by that call: the hold is found by its booking id alone.
    assert await store.get_hold(booking.booking_id) == booking


async def test_the_key_held_on_another_ticket_type_is_refused_in_the_same_call(
    store: RedisStockStore, redis_client: aioredis.Redis
) -> None:
    first, other = uuid4(), uuid4()
    await store.load(stock_load(first, 10))
    await store.load(stock_load(other, 10))
    buyer = uuid4()
    assert await store.reserve(request(first, buyer, key="intent-1")) is Admission.RESERVED
    outcomes: list[Admission] = []

    async def reuse() -> None:
        outcomes.append(await store.reserve(request(other, buyer, key="intent-1")))

    assert await commands_sent(redis_client, reuse) == ["EVALSHA"]
    assert outcomes == [Admission.KEY_REUSED]


async def test_settling_clears_holds_and_indexes_in_one_call(
    store: RedisStockStore, redis_client: aioredis.Redis
) -> None:
    first, second = uuid4(), uuid4()
    await store.load(stock_load(first, 10))
    await store.load(stock_load(second, 10))
    bookings = [request(first, key="a"), request(second, key="b"), request(first)]
    await reserve_at_once(store, bookings)
    settled: list[Any] = []

    async def settle() -> None:
        settled.append(await store.settle([Settlement(b, confirmed=True) for b in bookings]))

    assert await commands_sent(redis_client, settle) == ["EVALSHA"]
    assert settled == [await store.inventory([first, second])]
    for booking in bookings:
        assert await store.get_hold(booking.booking_id) is None
        assert not await redis_client.exists(store._index(booking.booking_id))


async def test_a_ticks_reservations_are_one_script_call_answered_as_if_in_order(
    store: RedisStockStore, redis_client: aioredis.Redis
) -> None:
    """50 requests at once, on two ticket types, each refusal among them: sold out, over the
    limit, a duplicate and a reused key within the group itself."""
    first, second = uuid4(), uuid4()
    loads = [stock_load(first, 20, per_user_limit=2), stock_load(second, 5, per_user_limit=2)]
    greedy = uuid4()
    requests = [request(first if i % 3 else second) for i in range(40)]
    requests[5:5] = [request(first, greedy, quantity=2), request(first, greedy)]
    retrying = uuid4()
    keyed = request(first, retrying, key="intent-1")
    requests[20:20] = [keyed, keyed, request(second, retrying, key="intent-1")]
    requests += [request(first, key=f"k{i}") for i in range(5)]
    assert len(requests) == 50
    memory = MemoryStockStore(SystemClock())
    for stock in (store, memory):
        for load in loads:
            await stock.load(load)
    expected = [await memory.reserve(r) for r in requests]  # one after the other
    outcomes: list[Admission] = []

    async def reserve() -> None:
        outcomes.extend(await reserve_at_once(store, requests))

    sent = await commands_sent(redis_client, reserve)

    assert sent == ["EVALSHA"]
    assert outcomes == expected
    assert set(expected) >= {
        Admission.RESERVED,
        Admission.SOLD_OUT,
        Admission.PER_USER_LIMIT,
        Admission.DUPLICATE,
        Admission.KEY_REUSED,
    }
    assert await remaining(store, first, second) == await remaining(memory, first, second)
