"""Redis losing everything, or lying about the stock: the database still decides."""

from __future__ import annotations

import asyncio
import uuid

from tests.stack.conftest import Stack
from tests.stack.faults import Sale, assert_invariants, start_sale
from tests.support import Api

APIS = 2
WORKERS = 1


async def buy_more(api: Api, sale: Sale, tokens: list[str], prefix: str) -> None:
    responses = await asyncio.gather(
        *(api.book(t, sale.ticket_type_id, 1, f"{prefix}-{i}") for i, t in enumerate(tokens))
    )
    assert {r.status_code for r in responses} <= {202, 409}
    sale.accepted += [
        (tokens[i], r.json()["booking_id"]) for i, r in enumerate(responses) if r.status_code == 202
    ]


async def per_user_maximum(stack: Stack, sale: Sale) -> int:
    rows = await stack.sql(
        "SELECT COALESCE(MAX(n), 0) AS most FROM (SELECT SUM(quantity) AS n FROM bookings "
        "WHERE status IN ('reserved', 'paid') AND ticket_type_id = $1 GROUP BY user_id) t",
        uuid.UUID(sale.ticket_type_id),
    )
    return int(rows[0]["most"])


async def test_flushall_mid_sale(stack: Stack, api: Api) -> None:
    [worker] = stack.workers
    worker.pause()
    sale, tokens = await start_sale(api, capacity=80, buyers=60, per_user_limit=2)
    unconfirmed = await sale.unconfirmed(stack)
    async with stack.redis() as redis:
        await redis.flushall()
    assert unconfirmed >= 20, unconfirmed
    other = Api(stack.apis[1])
    await buy_more(other, sale, tokens, "second")
    await buy_more(other, sale, tokens, "third")
    await other.close()
    worker.resume()
    await assert_invariants(stack, api, sale, sold_out=True, holds_lost=True)
    assert await per_user_maximum(stack, sale) <= 2


async def test_stock_set_too_high_by_hand(stack: Stack, api: Api) -> None:
    [worker] = stack.workers
    worker.pause()
    sale, tokens = await start_sale(api, capacity=50, buyers=40, per_user_limit=2)
    unconfirmed = await sale.unconfirmed(stack)
    async with stack.redis() as redis:
        await redis.hset(
            f"{stack.redis_prefix}:{{{sale.ticket_type_id}}}:stock", "remaining", 10_000
        )
    assert unconfirmed >= 20, unconfirmed
    await buy_more(api, sale, tokens, "more")
    await buy_more(api, sale, tokens, "again")
    worker.resume()
    await assert_invariants(stack, api, sale, sold_out=True)
    assert await per_user_maximum(stack, sale) <= 2
