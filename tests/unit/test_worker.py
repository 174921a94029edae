"""The worker's loop over fakes: batches applied and settled, the sweeper held back while
the worker is behind."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from prometheus_client import REGISTRY

from bolttickets.domain.model import BookingStatus
from bolttickets.services.audit import AuditLog
from bolttickets.services.booking_payments import BookingPayments
from bolttickets.services.messages import decode_request
from bolttickets.services.payments import Payments
from bolttickets.services.ports import QueueRecord
from bolttickets.services.stock_sync import StockSync
from bolttickets.worker.runner import BookingWorker
from tests.unit.conftest import World
from tests.unit.fakes import FakeConsumer, FakeQueue

LAG = "bolttickets_worker_consumer_lag"


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
        reservations=BookingPayments(
            world.uow,
            Payments(),
            world.stock,
            world.pubsub,
            world.sync,
            AuditLog(world.uow, world.clock),
            world.clock,
        ),
        expire_every=1.0,
    )


async def test_a_worker_behind_its_queue_does_not_sweep(world: World) -> None:
    tt = await world.ticket_type(100)
    for _ in range(5):
        await world.bookings.place(world.buyer(), tt, 1, None)
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
    await world.bookings.place(world.buyer(), tt, 1, None)
    world.queue.sent.clear()  # the send was lost
    worker = worker_for(world, FakeConsumer(world.queue), batch_size=10)
    assert await worker.consume_once(timeout=0) == 0
    world.clock.advance(10)
    await worker.sweep()
    assert len(world.queue.sent) == 1
    assert await worker.consume_once(timeout=0) == 1
    assert world.sold(tt) == 1


async def test_a_request_the_database_refuses_is_dead_lettered_and_the_rest_applied(
    world: World,
) -> None:
    tt = await world.ticket_type(100)
    buyers = [world.buyer() for _ in range(7)]
    for actor in buyers:
        await world.bookings.place(actor, tt, 2, None)
    doomed = buyers[4]
    del world.uow.data.users[doomed.user_id]  # its account went after its booking was admitted
    consumer = FakeConsumer(world.queue)
    worker = worker_for(world, consumer, batch_size=10)

    assert await worker.consume_once(timeout=0) == 7
    assert world.sold(tt) == 12  # the six others, in the same consume
    assert [decode_request(r.value).user_id for r in consumer.dead] == [doomed.user_id]
    assert await world.remaining(tt) == 88  # the refused request's hold was given back
    assert consumer.committed == [7]
    assert world.uow.data.offsets == {("g", "t", 0): 7}  # the position is past all of them
    assert worker.problem() is None


async def test_an_unavailable_database_is_retried_and_reported(world: World) -> None:
    tt = await world.ticket_type(100)
    await world.bookings.place(world.buyer(), tt, 1, None)
    worker = worker_for(world, FakeConsumer(world.queue), batch_size=10)
    world.uow.down = True
    opened = world.uow.opened
    running = asyncio.create_task(worker.run())
    await eventually(lambda: world.uow.opened >= opened + 2)  # tried, and tried again
    assert worker.problem() == "the database is unavailable"
    world.uow.down = False
    await eventually(lambda: world.sold(tt) == 1)
    await eventually(lambda: worker.problem() is None)
    worker.stop()
    await asyncio.wait_for(running, 30)


class BreakingConsumer(FakeConsumer):
    """Its poll fails while ``broken`` (the log locked past its busy timeout, a full disk)."""

    def __init__(self, queue: FakeQueue) -> None:
        super().__init__(queue)
        self.broken = True
        self.failures = 0

    async def poll(self, max_records: int, timeout: float) -> list[QueueRecord]:
        if self.broken:
            self.failures += 1
            raise OSError("database is locked")
        return await super().poll(max_records, timeout)


async def test_a_failing_loop_is_restarted_and_reported_until_it_recovers(world: World) -> None:
    tt = await world.ticket_type(100)
    for _ in range(3):
        await world.bookings.place(world.buyer(), tt, 1, None)
    consumer = BreakingConsumer(world.queue)
    worker = worker_for(world, consumer, batch_size=10)
    running = asyncio.create_task(worker.run())
    await eventually(lambda: consumer.failures >= 2)  # failed, restarted, failed again
    assert not running.done()
    assert "database is locked" in (worker.problem() or "")

    consumer.broken = False
    await eventually(lambda: world.sold(tt) == 3)
    await eventually(lambda: worker.problem() is None)
    worker.stop()
    await asyncio.wait_for(running, 30)


async def test_a_stalled_consumer_is_the_workers_problem(world: World) -> None:
    consumer = FakeConsumer(world.queue)
    worker = worker_for(world, consumer, batch_size=10)
    assert worker.problem() == "its consumer has not polled yet"
    await worker.consume_once(timeout=0)
    assert worker.problem() is None
    consumer.stall = "partition 0 has records waiting and none was delivered for 31 s"
    assert worker.problem() == consumer.stall


async def eventually(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        # The condition is state of the fakes, which signal nothing to wait on.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_stalled_worker_does_not_sweep(world: World) -> None:
    tt = await world.ticket_type(100)
    await world.bookings.place(world.buyer(), tt, 1, None)
    world.queue.sent.clear()  # the send was lost
    consumer = FakeConsumer(world.queue)
    worker = worker_for(world, consumer, batch_size=10)
    await worker.consume_once(timeout=0)
    world.clock.advance(10)
    consumer.stall = "partition 0 has records waiting and none was delivered for 31 s"
    await worker.sweep()
    assert world.queue.sent == []  # not sent into a pipeline that does not consume
    consumer.stall = None
    await worker.sweep()
    assert len(world.queue.sent) == 1


async def test_the_sale_gauges_lag_and_corrections_follow_the_worker(world: World) -> None:
    tt = await world.ticket_type(10)
    for _ in range(3):
        await world.bookings.place(world.buyer(), tt, 1, None)
    worker = worker_for(world, FakeConsumer(world.queue), batch_size=2)
    assert await worker.consume_once(timeout=0) == 2  # one request still queued, held
    world.clock.advance(7)
    labels = {"event_id": str(world.uow.data.ticket_types[tt].event_id), "ticket_type_id": str(tt)}

    def gauges() -> dict[str, float | None]:
        names = ("tickets_capacity", "tickets_sold", "tickets_remaining", "stock_drift_tickets")
        return {n: REGISTRY.get_sample_value(f"bolttickets_{n}", labels) for n in names}

    await worker.observe()
    assert gauges() == {
        "tickets_capacity": 10,
        "tickets_sold": 2,
        "tickets_remaining": 7,
        "stock_drift_tickets": 0,
    }
    assert REGISTRY.get_sample_value(LAG, {"topic": "t", "partition": "0"}) == 1
    assert REGISTRY.get_sample_value("bolttickets_worker_oldest_hold_age_seconds") == 7

    snapshot = await world.stock.hold_snapshot(tt)
    assert snapshot is not None
    assert await world.stock.compare_and_set(tt, snapshot.version, 9)  # two too many
    await worker.observe()
    assert gauges()["stock_drift_tickets"] == 2
    corrections: list[int] = []
    assert await StockSync(world.uow, world.stock, corrections.append).reconcile(tt)
    assert corrections == [2]
    await worker.observe()
    assert gauges()["stock_drift_tickets"] == 0

    world.clock.advance(timedelta(days=11).total_seconds())  # the event is over
    await worker.observe()
    assert set(gauges().values()) == {None}


async def test_the_worker_expires_unpaid_reservations_once_and_returns_their_stock(
    world: World,
) -> None:
    tt = await world.ticket_type(10)
    buyers = [world.buyer() for _ in range(3)]
    placed = [await world.bookings.place(b, tt, 2, None) for b in buyers]
    worker = worker_for(world, FakeConsumer(world.queue), batch_size=10)
    await worker.consume_once(timeout=0)
    assert world.sold(tt) == 6
    expired = _expired_total()

    world.clock.advance(599)
    await worker.expire()
    assert world.sold(tt) == 6
    world.clock.advance(1)  # the default payment window, 600 s, is over
    await worker.expire()
    await worker.expire()

    statuses = {
        (await world.bookings.get(b, p.booking_id)).status
        for b, p in zip(buyers, placed, strict=True)
    }
    assert statuses == {BookingStatus.EXPIRED}
    assert world.sold(tt) == 0
    assert (await world.stock.inventory([tt]))[tt].remaining == 10
    assert _expired_total() - expired == 3


def _expired_total() -> float:
    return REGISTRY.get_sample_value("bolttickets_reservations_expired_total") or 0.0
