"""A worker SIGKILLed mid-sale: the other takes its partitions, nothing lost or doubled.
And a worker stopped with SIGTERM mid-batch finishes and commits that batch."""

from __future__ import annotations

from tests.stack.conftest import Stack
from tests.stack.faults import assert_invariants, start_sale
from tests.support import Api

APIS = 1
WORKERS = 2
# A worker waits up to 10 s to fill a batch, so a SIGTERM finds one in its hands.
STACK_ENV = {"BOLT_WORKER_LINGER_MS": "10000"}


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
    survivor = stack.workers[1]
    sale, _ = await start_sale(api, capacity=60, buyers=60)
    unconfirmed = await sale.unconfirmed(stack)
    survivor.stop()  # SIGTERM: apply the batch in hand, commit, leave the group
    assert unconfirmed >= 20, unconfirmed
    assert survivor.process is not None and survivor.process.returncode == 0
    assert await sale.unconfirmed(stack) <= unconfirmed - 20  # its batch was committed
    await stack.workers[0].start()  # a replacement takes whatever arrived after that batch
    await assert_invariants(stack, api, sale, sold_out=True)
