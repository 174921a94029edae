"""The WaitingRoomStore contract: the embedded store and the Redis one, held to the same
answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from bolttickets.adapters.memory_waiting_room import MemoryWaitingRoomStore
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_waiting_room import DRAW_CHUNK, RedisWaitingRoomStore
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import Joined, RoomCounters, WaitingRoomStore
from tests.support import eventually, redis_namespace


@contextlib.asynccontextmanager
async def fresh_rooms(client: RedisClient) -> AsyncIterator[RedisWaitingRoomStore]:
    async with redis_namespace(client) as namespace:
        store = RedisWaitingRoomStore(client, namespace)
        await store.start()
        yield store


@pytest.fixture
async def redis_rooms(redis_client: RedisClient) -> AsyncIterator[RedisWaitingRoomStore]:
    async with fresh_rooms(redis_client) as store:
        yield store


@pytest.fixture
async def redis_cluster_rooms(
    redis_cluster_client: RedisClient,
) -> AsyncIterator[RedisWaitingRoomStore]:
    async with fresh_rooms(redis_cluster_client) as store:
        yield store


@pytest.fixture(params=["memory", "redis", "redis_cluster"])
def rooms(request: pytest.FixtureRequest) -> WaitingRoomStore:
    if request.param == "memory":
        return MemoryWaitingRoomStore(SystemClock())
    store: WaitingRoomStore = request.getfixturevalue(f"{request.param}_rooms")
    return store


async def pre_queued(rooms: WaitingRoomStore, event: UUID, count: int) -> list[UUID]:
    users = [uuid4() for _ in range(count)]
    for user in users:
        assert await rooms.join(event, user, started=False) == Joined(None)
    return users


async def test_a_pre_queue_join_has_no_number_until_the_lottery(rooms: WaitingRoomStore) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, 3)

    assert await rooms.pre_queue(event) == users
    assert await rooms.place(event, users[0]) == Joined(None)
    assert await rooms.place(event, uuid4()) is None
    counters = await rooms.counters(event)
    assert (counters.assigned, counters.now_serving, counters.drawn) == (0, 0, False)
    assert counters.pre_queued == 3


async def test_the_lottery_numbers_the_pre_queue_in_the_drawn_order(
    rooms: WaitingRoomStore,
) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, 4)
    order = [users[2], users[0], users[3], users[1]]

    assert await rooms.draw(event, order)

    assert [await rooms.place(event, u) for u in order] == [Joined(n) for n in (1, 2, 3, 4)]
    assert await rooms.pre_queue(event) == []
    counters = await rooms.counters(event)
    assert (counters.assigned, counters.drawn, counters.pre_queued) == (4, True, 0)


async def test_the_lottery_runs_once(rooms: WaitingRoomStore) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, 2)
    assert await rooms.draw(event, users)

    assert await rooms.draw(event, list(reversed(users)))  # drawn already: nothing changes

    assert await rooms.place(event, users[0]) == Joined(1)


async def test_a_stale_or_wrong_order_is_refused_and_writes_nothing(
    rooms: WaitingRoomStore,
) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, 2)
    latecomer = uuid4()
    assert await rooms.join(event, latecomer, started=False) == Joined(None)

    assert not await rooms.draw(event, users)  # read before the latecomer joined
    assert not await rooms.draw(event, [users[0], users[0], users[1]])
    assert not await rooms.draw(event, [*users, uuid4()])

    assert await rooms.place(event, users[0]) == Joined(None)
    assert await rooms.draw(event, [latecomer, *users])
    assert await rooms.place(event, latecomer) == Joined(1)


async def test_a_join_after_the_start_waits_for_the_lottery_then_goes_to_the_back(
    rooms: WaitingRoomStore,
) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, 3)
    late = uuid4()

    assert await rooms.join(event, late, started=True) is None  # draw first
    assert await rooms.draw(event, users)
    assert await rooms.join(event, late, started=True) == Joined(4)
    # Once drawn, a process whose clock is behind still sends its joiner to the back.
    assert await rooms.join(event, uuid4(), started=False) == Joined(5)


async def test_joining_again_returns_the_same_place(rooms: WaitingRoomStore) -> None:
    event = uuid4()
    early, late = uuid4(), uuid4()
    await rooms.join(event, early, started=False)
    await rooms.join(event, early, started=False)
    assert await rooms.pre_queue(event) == [early]
    await rooms.draw(event, [early])

    assert await rooms.join(event, early, started=True) == Joined(1)
    first = await rooms.join(event, late, started=True)
    assert await rooms.join(event, late, started=True) == first == Joined(2)
    assert (await rooms.counters(event)).assigned == 2


async def test_concurrent_joins_get_distinct_numbers_in_one_sequence(
    rooms: WaitingRoomStore,
) -> None:
    event = uuid4()
    await rooms.draw(event, [])
    users = [uuid4() for _ in range(50)]

    joined = await asyncio.gather(*(rooms.join(event, u, started=True) for u in users * 2))

    numbers = [j.number for j in joined if j is not None]
    assert sorted(set(numbers)) == list(range(1, 51))
    assert numbers[:50] == numbers[50:]  # each user twice, the same number


async def test_now_serving_never_passes_the_last_number(rooms: WaitingRoomStore) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, 3)
    assert await rooms.advance(event, 2) == 0  # nobody is numbered yet
    await rooms.draw(event, users)

    assert await rooms.advance(event, 2) == 2
    assert await rooms.advance(event, 2) == 2  # the same decision twice admits once
    assert await rooms.advance(event, 1) == 2  # never back
    assert await rooms.advance(event, 5) == 3
    assert (await rooms.counters(event)).now_serving == 3


async def test_a_buyer_is_counted_as_bought_once(rooms: WaitingRoomStore) -> None:
    event, buyer = uuid4(), uuid4()
    await rooms.bought(event, buyer)
    await rooms.bought(event, buyer)
    await rooms.bought(event, uuid4())

    assert (await rooms.counters(event)).bought == 2


async def test_a_pass_is_issued_at_its_first_time(rooms: WaitingRoomStore) -> None:
    event, buyer = uuid4(), uuid4()
    first = datetime(2026, 5, 1, 9, 0, 0, 123456, tzinfo=UTC)

    assert await rooms.admitted_at(event, buyer, first) == first
    assert await rooms.admitted_at(event, buyer, first + timedelta(minutes=5)) == first
    other = first + timedelta(seconds=1)
    assert await rooms.admitted_at(event, uuid4(), other) == other


async def test_the_status_is_kept_and_the_room_forgotten_after_its_time(
    rooms: WaitingRoomStore,
) -> None:
    event, lasting = uuid4(), uuid4()
    assert (await rooms.counters(event)).status is None
    await rooms.join(event, uuid4(), started=False)
    await rooms.join(lasting, uuid4(), started=False)

    soon = datetime.now(UTC) + timedelta(seconds=1)
    await rooms.save_status(event, b'{"state": "sold_out"}', soon)
    assert (await rooms.counters(event)).status == b'{"state": "sold_out"}'

    async def forgotten() -> RoomCounters:
        # Another room's tick is what sweeps the memory store.
        await rooms.save_status(lasting, b"{}", datetime.now(UTC) + timedelta(days=1))
        return await rooms.counters(event)

    gone = await eventually(forgotten, lambda c: c.pre_queued == 0, timeout=60)
    assert gone.status is None
    assert (await rooms.counters(lasting)).pre_queued == 1


async def test_a_lease_is_held_by_one_holder_until_it_lapses(rooms: WaitingRoomStore) -> None:
    name = uuid4().hex
    assert await rooms.lease(name, "a", timedelta(hours=1))
    assert await rooms.lease(name, "a", timedelta(hours=1))  # renewed
    assert not await rooms.lease(name, "b", timedelta(hours=1))

    short = uuid4().hex
    assert await rooms.lease(short, "a", timedelta(milliseconds=50))

    await eventually(lambda: rooms.lease(short, "b", timedelta(hours=1)), bool, timeout=60)
    assert not await rooms.lease(short, "a", timedelta(hours=1))


async def test_a_lottery_larger_than_one_script_call_is_installed_whole(
    rooms: WaitingRoomStore,
) -> None:
    event = uuid4()
    users = await pre_queued(rooms, event, DRAW_CHUNK + 500)
    read = await rooms.pre_queue(event)
    latecomer = uuid4()
    await rooms.join(event, latecomer, started=False)

    assert not await rooms.draw(event, read)  # a join after the read: stale, nothing written
    assert await rooms.place(event, users[-1]) == Joined(None)
    order = list(reversed(await rooms.pre_queue(event)))
    assert await rooms.draw(event, order)

    numbers = [await rooms.place(event, u) for u in order]
    assert numbers == [Joined(n) for n in range(1, len(order) + 1)]
    assert (await rooms.counters(event)).assigned == DRAW_CHUNK + 501
