"""Redis losing everything, or lying about the stock: the database still decides."""

from __future__ import annotations

from tests.stack.conftest import Stack
from tests.stack.faults import assert_invariants, buy_more, per_user_maximum, start_sale
from tests.support import Api

APIS = 2
WORKERS = 1


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
