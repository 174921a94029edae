"""A worker SIGKILLed mid-sale: the other takes its partitions, nothing lost or doubled.
And a worker stopped with SIGTERM mid-batch finishes and commits that batch."""

from __future__ import annotations

import asyncio

from tests.postgres import pg_connect
from tests.stack.conftest import Stack
from tests.stack.faults import assert_invariants, start_sale
from tests.support import Api, eventually

APIS = 1
WORKERS = 2


async def test_a_killed_worker_loses_nothing(stack: Stack, api: Api) -> None:
    victim, survivor = stack.workers
    for worker in stack.workers:
        worker.pause()  # the sale is accepted, and nothing can be confirmed yet
    sale, _ = await start_sale(api, capacity=100, buyers=140)
    unconfirmed = await sale.unconfirmed(stack)
    victim.kill()
    survivor.resume()
    assert unconfirmed >= 20, unconfirmed
    await assert_invariants(stack, api, sale, sold_out=True)


async def test_sigterm_mid_batch_loses_nothing(stack: Stack, api: Api) -> None:
    first, survivor = stack.workers
    if first.running:  # run alone: the survivor must be the one holding the batch
        first.stop()
    survivor.pause()  # the whole sale waits in the topic, to arrive as one batch
    sale, _ = await start_sale(api, capacity=60, buyers=60)
    # The test holds a lock the batch's inserts wait on: once the worker waits on it, the
    # batch is in its hands, however slow the machine, and SIGTERM arrives mid-batch.
    lock = await pg_connect(stack.database_url)
    try:
        transaction = lock.transaction()
        await transaction.start()
        await lock.execute("LOCK TABLE bookings IN SHARE MODE")
        survivor.resume()
        await eventually(lambda: _waiting_on_a_lock(stack), lambda n: n > 0, timeout=90)
        unconfirmed = await sale.unconfirmed(stack)
        assert survivor.process is not None
        survivor.process.terminate()  # SIGTERM: apply the batch in hand, commit, leave
        await transaction.rollback()
    finally:
        await lock.close()
    assert await asyncio.to_thread(survivor.process.wait, 90) == 0
    assert await sale.unconfirmed(stack) < unconfirmed == 60  # its batch was committed
    await first.start()  # a replacement takes whatever arrived after that batch
    await assert_invariants(stack, api, sale, sold_out=True)


async def _waiting_on_a_lock(stack: Stack) -> int:
    """Inserts of bookings waiting on the test's lock: the batch, and nothing else that waits
    on that lock too (the worker's expiry sweep updates bookings every few seconds)."""
    [row] = await stack.sql(
        "SELECT COUNT(*) AS n FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND query LIKE 'INSERT INTO bookings%'"
    )
    return int(row["n"])
