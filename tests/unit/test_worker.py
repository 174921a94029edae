"""The worker's loop over fakes: batches applied and settled, the sweeper held back while
the worker is behind."""

from __future__ import annotations

from datetime import timedelta

from bolttickets.worker.runner import BookingWorker
from tests.unit.conftest import World, buyer
from tests.unit.fakes import FakeConsumer


def worker_for(world: World, consumer: FakeConsumer, batch_size: int) -> BookingWorker:
    return BookingWorker(
        consumer=consumer,
        group="g",
        topic="t",
        uow=world.uow,
        stock=world.stock,
        queue=world.queue,
        pubsub=world.pubsub,
        sync=world.sync,
        clock=world.clock,
        batch_size=batch_size,
        sweep_after=timedelta(seconds=5),
        reconcile_every=1.0,
    )


async def test_a_worker_behind_its_queue_does_not_sweep(world: World) -> None:
    tt = await world.ticket_type(100)
    for _ in range(5):
        await world.bookings.place(buyer(), tt, 1, None)
    consumer = FakeConsumer(world.queue)
    worker = worker_for(world, consumer, batch_size=2)
    world.clock.advance(10)  # every hold is old enough to be swept

    assert await worker.consume_once(timeout=0) == 2  # a full batch: behind
    await worker.sweep()
    assert len(world.queue.sent) == 3  # nothing re-sent on top of the backlog

    while await worker.consume_once(timeout=0):
        pass
    assert world.sold(tt) == 5 and consumer.committed[-1] == 5
    await worker.sweep()  # caught up, and every hold settled: nothing to send
    assert world.queue.sent == []


async def test_a_caught_up_worker_resends_a_lost_hold(world: World) -> None:
    tt = await world.ticket_type(100)
    await world.bookings.place(buyer(), tt, 1, None)
    world.queue.sent.clear()  # the send was lost
    worker = worker_for(world, FakeConsumer(world.queue), batch_size=10)
    assert await worker.consume_once(timeout=0) == 0
    world.clock.advance(10)
    await worker.sweep()
    assert len(world.queue.sent) == 1
    assert await worker.consume_once(timeout=0) == 1
    assert world.sold(tt) == 1
