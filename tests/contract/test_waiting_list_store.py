"""The WaitingListStore contract: the embedded store and the Redis one, held to the same
answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from bolttickets.adapters.memory_waiting_list import MemoryWaitingListStore
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_waiting_list import RedisWaitingListStore
from bolttickets.domain.waiting_list import ListCounts, ListPlace, ListState
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import Spare, WaitingListStore
from tests.support import redis_namespace

LATER = timedelta(minutes=10)
EVERYONE = 1_000


@contextlib.asynccontextmanager
async def fresh_lists(client: RedisClient) -> AsyncIterator[RedisWaitingListStore]:
    async with redis_namespace(client) as namespace:
        store = RedisWaitingListStore(client, namespace)
        await store.start()
        yield store


@pytest.fixture
async def redis_lists(redis_client: RedisClient) -> AsyncIterator[RedisWaitingListStore]:
    async with fresh_lists(redis_client) as store:
        yield store


@pytest.fixture
async def redis_cluster_lists(
    redis_cluster_client: RedisClient,
) -> AsyncIterator[RedisWaitingListStore]:
    async with fresh_lists(redis_cluster_client) as store:
        yield store


@pytest.fixture(params=["memory", "redis", "redis_cluster"])
def lists(request: pytest.FixtureRequest) -> WaitingListStore:
    if request.param == "memory":
        return MemoryWaitingListStore(SystemClock())
    store: WaitingListStore = request.getfixturevalue(f"{request.param}_lists")
    return store


def now() -> datetime:
    return datetime.now(UTC)


def in_seconds(seconds: int) -> datetime:
    """Whole seconds, as the service gives offers."""
    return datetime.fromtimestamp(int((now() + timedelta(seconds=seconds)).timestamp()), UTC)


async def joined(lists: WaitingListStore, event: UUID, ticket_type: UUID, n: int) -> list[UUID]:
    users = [uuid4() for _ in range(n)]
    for user in users:
        await lists.join(event, ticket_type, user, now() + timedelta(days=1))
    return users


async def test_joining_puts_buyers_in_line_once(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 3)
    again = await lists.join(event, tt, users[1], now() + timedelta(days=1))

    assert again.gated and again.offered == ()
    assert [await lists.place(tt, u) for u in users] == [
        ListPlace(ListState.WAITING, 1),
        ListPlace(ListState.WAITING, 2),
        ListPlace(ListState.WAITING, 3),
    ]
    assert await lists.place(tt, uuid4()) is None
    assert await lists.counts(tt) == ListCounts(event, tt, 3, 0, 0, 0)
    assert await lists.gated() == {tt: event}


async def test_an_offer_goes_to_the_first_in_line(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 3)
    expires = in_seconds(600)

    offers = await lists.offer(tt, 1, Spare(remaining=1, bought=0), expires)

    assert offers.offered == (users[0],)
    assert offers.offered_through == 1
    assert await lists.place(tt, users[0]) == ListPlace(ListState.OFFERED, None, expires)
    assert await lists.place(tt, users[1]) == ListPlace(ListState.WAITING, 1)


async def test_nobody_is_offered_more_than_came_back(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 10)

    first = await lists.offer(tt, 3, Spare(remaining=3, bought=0), in_seconds(600))
    # The same three tickets seen again (a sweep racing the hook): no offer is added.
    again = await lists.offer(tt, EVERYONE, Spare(remaining=3, bought=0), in_seconds(600))
    # Fewer tickets than asked for: only what the stock holds unoffered.
    capped = await lists.offer(tt, 5, Spare(remaining=4, bought=0), in_seconds(600))

    assert first.offered == tuple(users[:3])
    assert again.offered == ()
    assert capped.offered == (users[3],)
    counts = await lists.counts(tt)
    assert counts is not None and (counts.waiting, counts.offered) == (6, 4)


async def test_a_purchase_after_the_stock_was_read_is_not_offered_again(
    lists: WaitingListStore,
) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 3)
    await lists.offer(tt, 1, Spare(remaining=1, bought=0), in_seconds(600))
    # Stock read (1 left) just before the offered buyer booked it and used the offer.
    assert await lists.use(tt, users[0], now())

    offers = await lists.offer(tt, EVERYONE, Spare(remaining=1, bought=0), in_seconds(600))

    assert offers.offered == ()


async def test_an_expired_offer_passes_to_the_next(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 3)
    expired = now() - timedelta(seconds=1)
    await lists.offer(tt, 1, Spare(remaining=1, bought=0), expired)

    lapsed = await lists.lapse(tt, now(), in_seconds(600))

    assert (lapsed.offered, lapsed.lapsed, lapsed.offered_through) == ((users[1],), 1, 2)
    assert (await lists.place(tt, users[0])) == ListPlace(ListState.LAPSED, None)
    assert not await lists.use(tt, users[0], now())
    assert (await lists.lapse(tt, now(), in_seconds(600))).lapsed == 0
    assert await lists.counts(tt) == ListCounts(event, tt, 1, 1, 0, 1)


async def test_an_offer_is_used_once_and_only_before_it_expires(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 2)
    await lists.offer(tt, 2, Spare(remaining=2, bought=0), in_seconds(600))

    assert await lists.use(tt, users[0], now())
    assert not await lists.use(tt, users[0], now())
    assert not await lists.use(tt, users[1], now() + LATER + timedelta(seconds=1))
    assert not await lists.use(tt, uuid4(), now())
    assert (await lists.place(tt, users[0])) == ListPlace(ListState.BOUGHT, None)
    assert await lists.counts(tt) == ListCounts(event, tt, 0, 1, 1, 0)


async def test_leaving_passes_an_offer_on(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 3)
    await lists.offer(tt, 1, Spare(remaining=1, bought=0), in_seconds(600))

    left_waiting = await lists.leave(tt, users[2], in_seconds(600))
    left_offered = await lists.leave(tt, users[0], in_seconds(600))

    assert left_waiting.offered == ()
    assert left_offered.offered == (users[1],)
    assert (await lists.place(tt, users[0])) == ListPlace(ListState.LEFT, None)
    assert (await lists.place(tt, users[2])) == ListPlace(ListState.LEFT, None)
    # Joining again after leaving goes to the back.
    await lists.join(event, tt, users[2], now() + timedelta(days=1))
    assert (await lists.place(tt, users[2])) == ListPlace(ListState.WAITING, 1)


async def test_a_list_is_gated_while_anyone_waits_or_holds_an_offer(
    lists: WaitingListStore,
) -> None:
    event, tt = uuid4(), uuid4()
    users = await joined(lists, event, tt, 1)
    offered = await lists.offer(tt, 1, Spare(remaining=1, bought=0), in_seconds(600))
    assert offered.gated and await lists.gated() == {tt: event}

    assert await lists.use(tt, users[0], now())

    assert await lists.gated() == {}
    assert not (await lists.offer(tt, 1, Spare(remaining=1, bought=1), in_seconds(600))).gated


async def test_offers_racing_each_other_give_each_ticket_once(lists: WaitingListStore) -> None:
    event, tt = uuid4(), uuid4()
    await joined(lists, event, tt, 50)

    rounds = await asyncio.gather(
        *(
            lists.offer(tt, EVERYONE, Spare(remaining=7, bought=0), in_seconds(600))
            for _ in range(20)
        )
    )

    offered = [user for r in rounds for user in r.offered]
    assert len(offered) == len(set(offered)) == 7
