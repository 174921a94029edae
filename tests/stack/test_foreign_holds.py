"""Holds another run left in this Redis namespace: a worker never sends them, and books on.

The reproduced failure: a load test stopped mid-sale left holds in a shared Redis; the next
stack's worker sent them into its own topic, its batch failed on a foreign key (an event of
another database) forever, and every later booking stayed pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from prometheus_client import REGISTRY

from bolttickets import bootstrap
from bolttickets.adapters.redis_stock import RedisStockStore
from bolttickets.config import Settings
from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.messages import decode_request
from bolttickets.services.ports import StockLoad
from tests.stack.conftest import Stack
from tests.support import JWT_SECRET, Api, eventually

APIS = 1
WORKERS = 0  # this module's worker runs in the test process, where its metrics can be read

SKIPPED = "bolttickets_foreign_holds_skipped_total"
# Generous on 2 loaded cores; a healthy worker needs a few seconds for each.
SWEEPS_WITHIN = 60.0
CONFIRMED_WITHIN = 60.0
STOPPED_WITHIN = 30.0


def stale_hold(ticket_type_id: uuid.UUID, event_id: uuid.UUID) -> BookingRequest:
    return BookingRequest(
        booking_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        event_id=event_id,
        ticket_type_id=ticket_type_id,
        quantity=1,
        unit_price_cents=100,
        currency="EUR",
        idempotency_key=None,
        fingerprint=fingerprint(ticket_type_id, 1),
        created_at=datetime.now(UTC) - timedelta(hours=1),  # long past any sweep's age
    )


async def plant_foreign_holds(stack: Stack, count: int) -> set[uuid.UUID]:
    """What an earlier run on another database leaves behind: a ticket type this database
    never had, with holds never applied, under this stack's own namespace."""
    tt, event = uuid.uuid4(), uuid.uuid4()
    holds = [stale_hold(tt, event) for _ in range(count)]
    now = datetime.now(UTC)
    client = aioredis.Redis.from_url(stack.redis_url)
    try:
        stock = RedisStockStore(client, stack.redis_prefix)
        await stock.start()
        load = StockLoad(tt, event, 10, None, None, now + timedelta(days=1), {}, {}, holds)
        assert await stock.load(load, replace=True)
    finally:
        await client.aclose()
    return {h.booking_id for h in holds}


def booking_ids_in_topic(stack: Stack) -> set[uuid.UUID]:
    """Every booking id the topic holds, read from the start of each partition to its end."""
    consumer = Consumer(
        {"bootstrap.servers": stack.kafka_bootstrap, "group.id": f"reader-{uuid.uuid4().hex}"}
    )
    try:
        partitions = consumer.list_topics(stack.topic, timeout=30).topics[stack.topic].partitions
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(stack.topic, p), 30)[1]
            for p in partitions
        }
        consumer.assign([TopicPartition(stack.topic, p, OFFSET_BEGINNING) for p in partitions])
        found: set[uuid.UUID] = set()
        left = {p for p, end in ends.items() if end > 0}
        for _ in range(600):
            if not left:
                return found
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            found.add(decode_request(message.value() or b"").booking_id)
            if (message.offset() or 0) + 1 >= ends[message.partition() or 0]:
                left.discard(message.partition() or 0)
        raise AssertionError(f"partitions {sorted(left)} of {stack.topic} not read to their end")
    finally:
        consumer.close()


async def skipped_sweeps() -> float:
    """This process's count of sweeps that left foreign holds alone."""
    return REGISTRY.get_sample_value(SKIPPED) or 0.0


@contextlib.asynccontextmanager
async def worker_in_process(settings: Settings) -> AsyncIterator[None]:
    """A worker role in the test process, whose stop is bounded: a worker retrying a batch
    it can never apply does not stop when asked, and there is no process to SIGKILL, so its
    loop is cancelled instead and the test fails instead of hanging the suite."""
    container = await bootstrap.start(settings, bootstrap.Role.WORKER)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        stopping = asyncio.ensure_future(container.stop())
        await asyncio.wait([stopping], timeout=STOPPED_WITHIN)
        if not stopping.done():
            assert container.worker_task is not None
            container.worker_task.cancel()  # its stop closes the rest once the loop is gone
            await stopping
            if not failed:  # else the failure that wedged it is the one to report
                raise AssertionError(
                    f"the worker did not stop within {STOPPED_WITHIN:.0f} s of being asked: "
                    "a batch it cannot apply is retried forever (see batch_failed_retrying)"
                )


async def test_holds_of_an_unknown_ticket_type_are_never_sent(stack: Stack, api: Api) -> None:
    foreign = await plant_foreign_holds(stack, 20)
    settings = Settings(
        env="test",
        jwt_secret=JWT_SECRET,
        database_url=stack.database_url,
        redis_url=stack.redis_url,
        kafka_bootstrap=stack.kafka_bootstrap,
        kafka_topic=stack.topic,
        consumer_group=stack.env["BOLT_CONSUMER_GROUP"],
        redis_prefix=stack.redis_prefix,
        sweep_after_seconds=2,
        reconcile_every_seconds=1,
    )
    before = await skipped_sweeps()
    async with worker_in_process(settings):
        # Two sweeps that found them: at least one ran its whole course after the planting.
        try:
            await eventually(skipped_sweeps, lambda n: n >= before + 2, timeout=SWEEPS_WITHIN)
        except AssertionError as exc:
            raise AssertionError(
                f"fewer than 2 sweeps that left the foreign holds alone within "
                f"{SWEEPS_WITHIN:.0f} s (a worker that stopped consuming skips its sweeps)"
            ) from exc
        event = await api.create_event([10])
        tt = event["ticket_types"][0]["id"]
        [buyer] = await api.buyers(1)
        response = await api.book(buyer, tt, 1, "after-the-leftovers")
        assert response.status_code == 202, response.text
        booking = response.json()["booking_id"]
        try:
            statuses = await api.final_statuses([(buyer, booking)], timeout=CONFIRMED_WITHIN)
        except AssertionError as exc:
            raise AssertionError(
                f"a booking made after the leftovers was not final within "
                f"{CONFIRMED_WITHIN:.0f} s: the pipeline is wedged"
            ) from exc
        assert statuses == {booking: "reserved"}

    sent = await asyncio.to_thread(booking_ids_in_topic, stack)
    assert uuid.UUID(booking) in sent  # the topic was read, and the worker's own went through
    assert not sent & foreign, f"{len(sent & foreign)} foreign holds were sent"
