"""The flash sale end to end on a Redis Cluster: two API processes and two workers with
BOLT_REDIS_CLUSTER=true (PostgreSQL and Kafka as usual), buyers racing for fewer tickets
than they ask for, some sending the same request twice, and a WebSocket client on API A
watching the inventory of a sale made through API B; and the cluster losing everything
mid-sale. Each runs with one stock per ticket type and with it split into 3 sub-stocks
(BOLT_REDIS_SUB_STOCKS=3)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest

from bolttickets.adapters.redis_stock import connect_redis
from bolttickets.adapters.redis_substocks import sub_stock_tag
from tests.stack.conftest import Stack, running_stack
from tests.stack.faults import Sale, assert_invariants, buy_more, per_user_maximum, start_sale
from tests.support import Api, Socket

CAPACITY = 60
BUYERS = 80
PER_USER_LIMIT = 2


@pytest.fixture(scope="module", params=[1, 3], ids=lambda k: f"sub-stocks-{k}")
def sub_stocks(request: pytest.FixtureRequest) -> int:
    k: int = request.param
    return k


@pytest.fixture(scope="module")
async def stack(
    sub_stocks: int,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str,
    redis_cluster_url: str,
    kafka_bootstrap: str,
) -> AsyncIterator[Stack]:
    async with running_stack(
        tmp_path_factory.mktemp("stack"),
        postgres_admin_url,
        redis_cluster_url,
        kafka_bootstrap,
        env={"BOLT_REDIS_CLUSTER": "true", "BOLT_REDIS_SUB_STOCKS": str(sub_stocks)},
    ) as stack:
        yield stack


async def test_a_sale_on_the_cluster_sells_out_exactly(
    stack: Stack, api: Api, redis_cluster_url: str, sub_stocks: int
) -> None:
    api_b = Api(stack.apis[1])
    event = await api.create_event([CAPACITY], per_user_limit=PER_USER_LIMIT)
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(BUYERS)
    watcher = await Socket.open(stack.apis[0])
    await watcher.send(type="subscribe", event_id=event["id"])
    await watcher.wait_for(lambda f: f["type"] == "snapshot")

    # Each buyer asks for three tickets one at a time (their limit is two), and a third of
    # the requests are sent twice with the same Idempotency-Key: the second must answer the
    # first's booking, never a booking of its own.
    requests = [(token, f"k-{b}-{n}") for b, token in enumerate(tokens) for n in range(3)]
    requests += random.sample(requests, len(requests) // 3)
    random.shuffle(requests)
    responses = await asyncio.gather(
        *((api if i % 2 else api_b).book(t, tt, 1, key) for i, (t, key) in enumerate(requests))
    )
    assert {r.status_code for r in responses} <= {202, 409}, {
        r.status_code: r.text for r in responses
    }
    by_key: dict[str, set[str]] = {}
    accepted: dict[str, str] = {}
    for (token, key), response in zip(requests, responses, strict=True):
        if response.status_code == 202:
            booking_id = response.json()["booking_id"]
            by_key.setdefault(key, set()).add(booking_id)
            accepted[booking_id] = token
    assert all(len(ids) == 1 for ids in by_key.values())

    sale = Sale(event["id"], tt, CAPACITY, [(t, b) for b, t in accepted.items()])
    await assert_invariants(stack, api, sale, sold_out=True)
    assert await stack.counts(tt) == {"reserved": CAPACITY}
    [most] = await stack.sql(
        "SELECT MAX(n) AS most FROM (SELECT SUM(quantity) AS n FROM bookings "
        "WHERE ticket_type_id = $1 AND status = 'reserved' GROUP BY user_id) t",
        uuid.UUID(tt),
    )
    assert most["most"] <= PER_USER_LIMIT

    # The stock in the cluster itself, every sub-stock, not only as the API reports it.
    tags = (
        [tt]
        if sub_stocks == 1
        else [sub_stock_tag(uuid.UUID(tt), i, sub_stocks) for i in range(sub_stocks)]
    )
    cluster = await connect_redis(redis_cluster_url, cluster=True)
    try:
        for tag in tags:
            remaining = await cluster.hget(f"{stack.redis_prefix}:{{{tag}}}:stock", "remaining")
            holds = await cluster.hlen(f"{stack.redis_prefix}:{{{tag}}}:holds")
            assert (int(remaining), holds) == (0, 0), tag
    finally:
        await cluster.aclose()

    await watcher.wait_for(
        lambda f: f["type"] == "inventory" and f["ticket_type_id"] == tt and f["remaining"] == 0,
        timeout=60,
    )
    await watcher.close()
    await api_b.close()


async def test_the_cluster_flushed_mid_sale(stack: Stack, api: Api, redis_cluster_url: str) -> None:
    """Holds the workers have not applied yet vanish from every primary: the stock is loaded
    again from the database, the holds' bookings still arrive, and no ticket is sold twice."""
    for worker in stack.workers:
        worker.pause()
    sale, tokens = await start_sale(api, capacity=40, buyers=30, per_user_limit=PER_USER_LIMIT)
    unconfirmed = await sale.unconfirmed(stack)
    cluster = await connect_redis(redis_cluster_url, cluster=True)
    try:
        await cluster.flushall()  # redis-py sends it to every primary
        assert await cluster.dbsize() == 0
    finally:
        await cluster.aclose()
    assert unconfirmed >= 10, unconfirmed
    await buy_more(api, sale, tokens, "second")
    other = Api(stack.apis[1])
    await buy_more(other, sale, tokens, "third")
    await other.close()
    for worker in stack.workers:
        worker.resume()
    await assert_invariants(stack, api, sale, sold_out=True, holds_lost=True)
    assert await per_user_maximum(stack, sale) <= PER_USER_LIMIT
