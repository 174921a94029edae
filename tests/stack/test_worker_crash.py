"""A worker SIGKILLed mid-sale: the other takes its partitions, nothing lost or doubled."""

from __future__ import annotations

from tests.stack.conftest import Stack
from tests.stack.faults import assert_invariants, start_sale
from tests.support import Api

APIS = 1
WORKERS = 2
# Workers hold a batch for up to 3 s, so accepted bookings are still unconfirmed at the kill.
STACK_ENV = {"BOLT_WORKER_LINGER_MS": "3000"}


async def test_a_killed_worker_loses_nothing(stack: Stack, api: Api) -> None:
    sale, _ = await start_sale(api, capacity=100, buyers=140)
    unconfirmed = await sale.unconfirmed(stack)
    stack.workers[0].kill()
    assert unconfirmed >= 20, unconfirmed
    await assert_invariants(stack, api, sale, sold_out=True)


async def test_sigterm_mid_batch_loses_nothing(stack: Stack, api: Api) -> None:
    survivor = stack.workers[1]
    sale, _ = await start_sale(api, capacity=60, buyers=60)
    unconfirmed = await sale.unconfirmed(stack)
    survivor.stop()  # SIGTERM: finish the batch in hand, commit, leave the group
    assert unconfirmed >= 20, unconfirmed
    assert survivor.process is not None and survivor.process.returncode == 0
    await stack.workers[0].start()  # a replacement picks up whatever was left
    await assert_invariants(stack, api, sale, sold_out=True)
