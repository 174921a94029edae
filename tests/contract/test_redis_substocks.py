"""A ticket type's stock split into K sub-stocks on the Redis Cluster (RedisSubStockStore):
what the contract suite (test_stock_store.py, params redis_cluster_k2/k3) cannot see — which
sub-stock sells, borrowing between them, the sold-out mark and what a refusal costs."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import redis.asyncio as aioredis
from redis.asyncio import RedisCluster

from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import KEY_LIFETIME_US, register_scripts, reserve_args
from bolttickets.adapters.redis_substocks import (
    LOAN_DEADLINE,
    LOAN_SETTLING,
    SOLD_OUT_MARK,
    RedisSubStockStore,
)
from bolttickets.services.ports import Admission, Settlement
from tests.contract.test_stock_store import fresh_store, inventory, request, stock_load


@pytest.fixture(params=[2, 3], ids=lambda k: f"k{k}")
async def store(
    request: pytest.FixtureRequest, redis_cluster_client: RedisClient
) -> AsyncIterator[RedisSubStockStore]:
    async with fresh_store(
        redis_cluster_client, single_node=False, sub_stocks=request.param
    ) as stock:
        assert isinstance(stock, RedisSubStockStore)
        yield stock


@pytest.fixture
async def store_k3(redis_cluster_client: RedisClient) -> AsyncIterator[RedisSubStockStore]:
    async with fresh_store(redis_cluster_client, single_node=False, sub_stocks=3) as stock:
        assert isinstance(stock, RedisSubStockStore)
        yield stock


def buyer_at(store: RedisSubStockStore, home: int) -> UUID:
    """A new buyer whose home is sub-stock ``home``."""
    while True:
        user = uuid4()
        if store.home(user) == home:
            return user


async def sub_remaining(
    store: RedisSubStockStore, client: RedisClient, ticket_type_id: UUID
) -> list[int]:
    """Each sub-stock's remaining stock, read from its own hash tag."""
    keys = [store.sub_stock_keys(ticket_type_id, i).stock for i in range(store.sub_stocks)]
    return [int(await client.hget(key, "remaining") or -1) for key in keys]


async def script_calls(
    store: RedisSubStockStore, client: RedisClient, action: Callable[[], Awaitable[Any]]
) -> int:
    """The script calls on this store's keys that reached the cluster's primaries while
    ``action`` ran, from each primary's MONITOR (so other clients' calls do not count); each
    monitor ends at a marker sent to its node after ``action``."""
    assert isinstance(client, RedisCluster)
    marker = f"end-of-action-{uuid4().hex}"
    nodes = [aioredis.Redis(host=n.host, port=int(n.port)) for n in client.get_primaries()]
    try:
        async with contextlib.AsyncExitStack() as stack:
            monitors = [await stack.enter_async_context(node.monitor()) for node in nodes]
            await action()

            async def count(node: aioredis.Redis, monitor: Any) -> int:
                await node.echo(marker)
                calls = 0
                while True:
                    command = await asyncio.wait_for(monitor.next_command(), timeout=60)
                    text: str = command["command"]
                    if marker in text:
                        return calls
                    name = text.split(" ", 1)[0].upper()
                    lua = command["client_type"] == "lua"
                    if name in {"EVALSHA", "EVAL"} and not lua and store.namespace in text:
                        calls += 1

            counts = await asyncio.gather(*map(count, nodes, monitors))
    finally:
        await asyncio.gather(*(node.aclose() for node in nodes))
    return sum(counts)


async def sold_out(store: RedisSubStockStore, remaining: int = 6) -> UUID:
    """A ticket type of ``remaining`` tickets sold out, and one buyer of each home refused
    (each home marked sold out)."""
    tt = uuid4()
    assert await store.load(stock_load(tt, remaining))
    for _ in range(remaining):
        assert await store.reserve(request(tt)) is Admission.RESERVED
    await asyncio.sleep(LOAN_SETTLING.total_seconds() + 0.05)  # every loan has arrived
    for home in range(store.sub_stocks):
        assert await store.reserve(request(tt, buyer_at(store, home))) is Admission.SOLD_OUT
    return tt


async def test_the_sub_stocks_lie_on_different_primaries(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    assert isinstance(redis_cluster_client, RedisCluster)
    for tt in (uuid4() for _ in range(20)):
        keys = [store.sub_stock_keys(tt, i).stock for i in range(store.sub_stocks)]
        nodes = {str(redis_cluster_client.get_node_from_key(key)) for key in keys}
        assert len(nodes) == store.sub_stocks


async def test_the_stock_is_split_evenly(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    tt = uuid4()
    await store.load(stock_load(tt, 10))

    shares = await sub_remaining(store, redis_cluster_client, tt)

    assert sum(shares) == 10
    assert max(shares) - min(shares) <= 1


async def test_a_buyer_whose_home_is_empty_is_served_by_another(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    k = store.sub_stocks
    tt = uuid4()
    await store.load(stock_load(tt, k))  # one ticket per sub-stock
    first, second = buyer_at(store, 0), buyer_at(store, 0)
    assert await store.reserve(request(tt, first)) is Admission.RESERVED
    assert (await sub_remaining(store, redis_cluster_client, tt))[0] == 0

    late = request(tt, second)
    assert await store.reserve(late) is Admission.RESERVED

    assert (await inventory(store, tt)).remaining == k - 2
    # Everything of the buyer stays at home: the hold is found, and settles there.
    assert await store.get_hold(late.booking_id) == late
    await store.settle([Settlement(late, confirmed=False)])
    assert (await inventory(store, tt)).remaining == k - 1


async def test_the_per_user_limit_holds_across_loans(store: RedisSubStockStore) -> None:
    tt = uuid4()
    await store.load(stock_load(tt, store.sub_stocks * 2, per_user_limit=3))
    buyer = buyer_at(store, 1)

    # Home has 2: the second reservation borrows.
    assert await store.reserve(request(tt, buyer, quantity=2)) is Admission.RESERVED
    assert await store.reserve(request(tt, buyer)) is Admission.RESERVED
    assert await store.reserve(request(tt, buyer)) is Admission.PER_USER_LIMIT
    assert await store.reserve(request(tt, buyer, quantity=2)) is Admission.PER_USER_LIMIT
    assert (await inventory(store, tt)).remaining == store.sub_stocks * 2 - 3


async def test_a_quantity_spread_over_several_sub_stocks_is_sold(
    store_k3: RedisSubStockStore,
) -> None:
    tt = uuid4()
    await store_k3.load(stock_load(tt, 3))  # one ticket per sub-stock

    assert await store_k3.reserve(request(tt, quantity=3)) is Admission.RESERVED
    assert (await inventory(store_k3, tt)).remaining == 0


async def test_200_racing_buyers_never_oversell(
    store_k3: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    capacity = 120
    tt = uuid4()
    await store_k3.load(stock_load(tt, capacity))
    rng = random.Random(14)
    requests = [request(tt, quantity=rng.choice((1, 2))) for _ in range(200)]

    outcomes = await asyncio.gather(*(store_k3.reserve(r) for r in requests))

    assert set(outcomes) == {Admission.RESERVED, Admission.SOLD_OUT}
    sold = sum(
        r.quantity for r, o in zip(requests, outcomes, strict=True) if o is Admission.RESERVED
    )
    snapshot = await store_k3.hold_snapshot(tt)
    assert snapshot is not None
    assert sum(snapshot.holds.values()) == sold
    # Exactly sold out: every refusal was true, no ticket is left behind in some sub-stock
    # (a refused quantity of 2 may leave one).
    left = (await inventory(store_k3, tt)).remaining
    assert sold + left == capacity
    refused = [
        r.quantity for r, o in zip(requests, outcomes, strict=True) if o is Admission.SOLD_OUT
    ]
    assert left < min(refused)
    assert sum(await sub_remaining(store_k3, redis_cluster_client, tt)) == left


async def test_sold_out_when_every_sub_stock_is_empty(store: RedisSubStockStore) -> None:
    tt = await sold_out(store)

    for _ in range(5):
        assert await store.reserve(request(tt)) is Admission.SOLD_OUT
    assert (await inventory(store, tt)).remaining == 0


async def test_a_refusal_after_the_sell_out_is_one_script_call(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    """Without the sold-out mark each refusal would ask every sub-stock: K calls."""
    tt = await sold_out(store)
    buyers = [request(tt) for _ in range(20)]

    outcomes: list[Admission] = []

    async def refusals() -> None:
        outcomes.extend([await store.reserve(b) for b in buyers])

    calls = await script_calls(store, redis_cluster_client, refusals)

    assert set(outcomes) == {Admission.SOLD_OUT}
    assert calls == len(buyers)


async def test_a_reservation_at_home_is_one_script_call_and_a_loan_two_more(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    tt = uuid4()
    await store.load(stock_load(tt, store.sub_stocks))  # one ticket per sub-stock
    first, second = (request(tt, buyer_at(store, 0)) for _ in range(2))

    at_home = await script_calls(store, redis_cluster_client, lambda: store.reserve(first))
    borrowed = await script_calls(store, redis_cluster_client, lambda: store.reserve(second))

    assert (at_home, borrowed) == (1, 3)
    assert (await inventory(store, tt)).remaining == store.sub_stocks - 2


async def test_tickets_given_back_after_the_sell_out_are_sold_again(
    store: RedisSubStockStore,
) -> None:
    tt = uuid4()
    await store.load(stock_load(tt, 2))
    bookings = [request(tt, buyer_at(store, 0)) for _ in range(2)]
    for booking in bookings:
        assert await store.reserve(booking) is Admission.RESERVED
    await asyncio.sleep(LOAN_SETTLING.total_seconds() + 0.05)
    elsewhere = buyer_at(store, store.sub_stocks - 1)
    assert await store.reserve(request(tt, elsewhere)) is Admission.SOLD_OUT  # marked

    # The worker rejected one: its ticket goes back to its home, and every mark goes.
    await store.settle([Settlement(bookings[0], confirmed=False)])

    assert await store.reserve(request(tt, elsewhere)) is Admission.RESERVED
    assert await store.reserve(request(tt)) is Admission.SOLD_OUT


async def test_a_reconcile_that_adds_stock_lifts_the_marks(store: RedisSubStockStore) -> None:
    tt = await sold_out(store)
    before = await inventory(store, tt)

    assert await store.compare_and_set(tt, before.version, 2)

    assert await store.reserve(request(tt)) is Admission.RESERVED
    assert await store.reserve(request(tt)) is Admission.RESERVED
    assert await store.reserve(request(tt)) is Admission.SOLD_OUT


async def test_the_mark_refuses_for_its_lifetime_at_most(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    """A give-back that raced a round's mark (simulated: stock appears without clearing the
    marks) is refused only until the mark expires."""
    tt = await sold_out(store)
    await redis_cluster_client.hincrby(
        store.sub_stock_keys(tt, store.sub_stocks - 1).stock, "remaining", 1
    )
    buyer = buyer_at(store, 0)

    assert await store.reserve(request(tt, buyer)) is Admission.SOLD_OUT
    await asyncio.sleep(SOLD_OUT_MARK.total_seconds() + 0.1)
    assert await store.reserve(request(tt, buyer)) is Admission.RESERVED


async def test_a_reconcile_takes_a_decrease_from_several_sub_stocks(
    store_k3: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    tt = uuid4()
    await store_k3.load(stock_load(tt, 9))  # 3 each
    before = await inventory(store_k3, tt)

    assert await store_k3.compare_and_set(tt, before.version, 2)

    shares = await sub_remaining(store_k3, redis_cluster_client, tt)
    assert sorted(shares) == [0, 0, 2]
    after = await inventory(store_k3, tt)
    assert after.remaining == 2 and after.version > before.version
    outcomes = Counter([await store_k3.reserve(request(tt)) for _ in range(3)])
    assert outcomes == {Admission.RESERVED: 2, Admission.SOLD_OUT: 1}


async def test_a_reconcile_waits_while_a_loan_may_be_on_its_way(
    store: RedisSubStockStore,
) -> None:
    tt = uuid4()
    await store.load(stock_load(tt, store.sub_stocks))
    for _ in range(2):
        await store.reserve(request(tt, buyer_at(store, 0)))  # the second one borrowed
    current = await inventory(store, tt)

    assert not await store.compare_and_set(tt, current.version, current.remaining)

    await asyncio.sleep(LOAN_SETTLING.total_seconds() + 0.05)
    assert await store.compare_and_set(tt, current.version, current.remaining + 1)
    assert (await inventory(store, tt)).remaining == current.remaining + 1


@pytest.mark.parametrize("late", [True, False], ids=["late", "from-another-load"])
async def test_a_loan_that_arrives_late_or_from_another_load_is_refused(
    store_k3: RedisSubStockStore, redis_cluster_client: RedisClient, late: bool
) -> None:
    """A loan a reconcile or a load may already have counted never arrives: its tickets are
    missing (until reconcile), never sold twice. Driven through the scripts themselves, as
    the store calls them, with the loan's arrival delayed or its load changed."""
    tt = uuid4()
    await store_k3.load(stock_load(tt, 3))  # one ticket per sub-stock
    scripts = register_scripts(redis_cluster_client, ("lend", "reserve_home"))
    deadline_us = LOAN_DEADLINE // timedelta(microseconds=1)
    lent, load_id, lent_at, _ = await scripts["lend"](
        keys=[store_k3.sub_stock_keys(tt, 1).stock], args=[8, deadline_us]
    )
    assert lent == 1
    if late:
        lent_at -= deadline_us
    else:
        load_id = b"another-load"
    home = store_k3.sub_stock_keys(tt, 0)
    buyer = request(tt, buyer_at(store_k3, 0), quantity=2)

    outcome = await scripts["reserve_home"](
        keys=[*home, home.stock.removesuffix(":stock") + ":sold-out"],
        args=[*reserve_args(buyer), KEY_LIFETIME_US, lent, load_id, lent_at, deadline_us],
    )

    assert outcome == b"short"  # its own ticket only: the loan did not arrive
    assert await sub_remaining(store_k3, redis_cluster_client, tt) == [1, 0, 1]


async def test_a_lost_sub_stock_is_loaded_alone(
    store: RedisSubStockStore, redis_cluster_client: RedisClient
) -> None:
    """A node lost one sub-stock: its buyers find the stock unknown, the rebuild's load fills
    in that one (with no stock: reconcile adds what it lacks) and leaves the others."""
    tt = uuid4()
    await store.load(stock_load(tt, 9))
    kept = request(tt, buyer_at(store, 1))
    assert await store.reserve(kept) is Admission.RESERVED
    lost = store.sub_stock_keys(tt, 0)
    await asyncio.gather(*(redis_cluster_client.unlink(key) for key in lost))

    assert await store.inventory([tt]) == {}
    assert await store.hold_snapshot(tt) is None
    assert await store.reserve(request(tt, buyer_at(store, 0))) is Admission.UNKNOWN

    assert await store.load(stock_load(tt, 9))
    assert not await store.load(stock_load(tt, 9))

    k = store.sub_stocks
    shares = [9 // k + (i < 9 % k) for i in range(k)]
    assert await sub_remaining(store, redis_cluster_client, tt) == [
        0,
        *[shares[i] - (i == 1) for i in range(1, k)],
    ]
    assert await store.get_hold(kept.booking_id) == kept
