"""The broker stopped mid-sale, and an API process killed while its sends fail."""

from __future__ import annotations

import asyncio

from tests.stack.conftest import Stack
from tests.stack.faults import assert_invariants, start_sale
from tests.support import Api, eventually, services

APIS = 2
WORKERS = 1


async def test_broker_down_answers_503_and_retries_book_once(stack: Stack, api: Api) -> None:
    [worker] = stack.workers
    worker.pause()
    sale, _ = await start_sale(api, capacity=200, buyers=60, key_prefix="first")
    unconfirmed = await sale.unconfirmed(stack)
    await services("stop", "kafka")
    try:
        assert unconfirmed >= 20, unconfirmed
        late = await api.buyers(30)
        refused = await asyncio.gather(
            *(api.book(t, sale.ticket_type_id, 1, f"late-{i}") for i, t in enumerate(late))
        )
        assert {r.status_code for r in refused} == {503}
        assert all(r.headers.get("Retry-After") for r in refused)
        assert {r.json()["type"] for r in refused} == {"/problems/queue-unavailable"}
        # Each refusal names its booking: the hold stays, and the sweeper may book it.
        named = [r.json()["booking_id"] for r in refused]
        assert [r.headers["Location"] for r in refused] == [f"/api/bookings/{b}" for b in named]
    finally:
        await services("start", "kafka")
        worker.resume()

    retried = await asyncio.gather(
        *(api.book(t, sale.ticket_type_id, 1, f"late-{i}") for i, t in enumerate(late))
    )
    assert {r.status_code for r in retried} == {202}
    assert [r.json()["booking_id"] for r in retried] == named
    sale.accepted += [(late[i], r.json()["booking_id"]) for i, r in enumerate(retried)]
    await assert_invariants(stack, api, sale, sold_out=False)
    assert (await stack.counts(sale.ticket_type_id)) == {"reserved": 90}


async def test_a_worker_frozen_through_a_broker_restart_resumes(stack: Stack, api: Api) -> None:
    """The fresh-clone failure: a worker paused (a long GC, a starved CPU, a frozen VM)
    while the broker restarted once consumed nothing for minutes after it woke."""
    [worker] = stack.workers
    worker.pause()
    sale, _ = await start_sale(api, capacity=200, buyers=60, key_prefix="frozen")
    unconfirmed = await sale.unconfirmed(stack)
    try:
        assert unconfirmed >= 20, unconfirmed
        await services("stop", "kafka")
        await services("start", "kafka")
    finally:
        worker.resume()
    await assert_invariants(stack, api, sale, sold_out=False)
    assert (await stack.counts(sale.ticket_type_id)) == {"reserved": 60}


async def test_an_api_killed_while_its_sends_fail_loses_no_hold(stack: Stack, api: Api) -> None:
    victim, survivor = stack.apis
    [worker] = stack.workers
    worker.pause()
    doomed = Api(victim)
    sale, _ = await start_sale(doomed, capacity=200, buyers=40, key_prefix="before")
    unconfirmed = await sale.unconfirmed(stack)
    await services("stop", "kafka")
    try:
        buyers = await doomed.buyers(25)
        failed = await asyncio.gather(
            *(doomed.book(t, sale.ticket_type_id, 1, f"held-{i}") for i, t in enumerate(buyers))
        )
        assert {r.status_code for r in failed} == {503}  # each one a hold, its send failed
        victim.kill()
        assert unconfirmed >= 20, unconfirmed
    finally:
        await doomed.close()
        await services("start", "kafka")
        worker.resume()

    # Nobody retries yet: the worker's sweeper sends the orphaned holds by itself.
    async def confirmed() -> int:
        return (await stack.counts(sale.ticket_type_id)).get("reserved", 0)

    await eventually(confirmed, lambda n: n == len(sale.accepted) + 25, timeout=90)

    other = Api(survivor)
    retried = await asyncio.gather(
        *(other.book(t, sale.ticket_type_id, 1, f"held-{i}") for i, t in enumerate(buyers))
    )
    assert {(r.status_code, r.json()["status"]) for r in retried} == {(202, "reserved")}
    sale.accepted += [(buyers[i], r.json()["booking_id"]) for i, r in enumerate(retried)]
    await assert_invariants(stack, other, sale, sold_out=False)
    await other.close()
