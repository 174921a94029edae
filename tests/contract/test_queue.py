"""The booking queue's contract, held against the embedded log table and against Kafka.

Kafka's group rebalances take seconds: every wait here is a poll loop with a generous
deadline (a hang fails the test, nothing asserts how fast), never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource

from bolttickets.adapters.kafka_queue import (
    KafkaBookingConsumer,
    KafkaBookingQueue,
    dead_letter_topic,
    ensure_topics,
    kafka_reachable,
)
from bolttickets.adapters.kafka_security import PLAINTEXT, KafkaSecurity
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlite_log import SqliteLog, SqliteLogConsumer
from bolttickets.domain.errors import QueueUnavailable
from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.messages import decode_request, encode_request
from bolttickets.services.ports import QueueConsumer, QueueRecord, next_offsets

PATIENCE = 60.0
"""Seconds a test waits for records before it fails instead of hanging."""
KAFKA_PARTITIONS = 3
EVENT_ID = uuid.uuid4()


def booking(ticket_type_id: UUID) -> BookingRequest:
    return BookingRequest(
        booking_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        event_id=EVENT_ID,
        ticket_type_id=ticket_type_id,
        quantity=1,
        unit_price_cents=4500,
        currency="EUR",
        idempotency_key=None,
        fingerprint=fingerprint(ticket_type_id, 1),
        created_at=datetime.now(UTC),
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def receive_until(
    consumer: QueueConsumer, enough: Callable[[list[QueueRecord]], bool]
) -> list[QueueRecord]:
    """Poll until ``enough`` of what came; fail after PATIENCE seconds."""
    records: list[QueueRecord] = []
    async with asyncio.timeout(PATIENCE):
        while not enough(records):
            records += await consumer.poll(100, 1.0)
    return records


async def receive(consumer: QueueConsumer, count: int) -> list[QueueRecord]:
    return await receive_until(consumer, lambda records: len(records) >= count)


async def receive_values(consumer: QueueConsumer, values: set[bytes]) -> list[QueueRecord]:
    """Poll until every one of ``values`` came (redeliveries may come along)."""
    return await receive_until(consumer, lambda records: values <= {r.value for r in records})


async def assert_nothing_more(consumer: QueueConsumer) -> None:
    assert await consumer.poll(100, 1.0) == []


def positions(records: Sequence[QueueRecord]) -> list[tuple[int, int]]:
    return [(r.partition, r.offset) for r in records]


class Producer(Protocol):
    async def send(self, request: BookingRequest) -> None: ...

    async def stop(self) -> None:
        """Store what was accepted, then refuse more."""


class Harness(Protocol):
    """One adapter's producer and consumers, as a test drives them."""

    @property
    def producer(self) -> Producer: ...

    async def send_raw(self, key: bytes, value: bytes) -> None: ...

    async def consumer(
        self, group: str, stored_offsets: Mapping[int, int] | None = None
    ) -> QueueConsumer:
        """A new consumer; ``stored_offsets`` are what the worker's database holds."""

    async def close(self, consumer: QueueConsumer) -> None: ...

    async def dead_lettered(self, count: int) -> list[tuple[bytes | None, bytes]]: ...


class SqliteHarness:
    topic = "ticket-bookings"

    def __init__(self, db: Database, log: SqliteLog) -> None:
        self._db = db
        self._log = log

    @property
    def producer(self) -> Producer:
        return self._log

    async def send_raw(self, key: bytes, value: bytes) -> None:
        await self._log.append_raw(key, value)

    async def consumer(
        self, group: str, stored_offsets: Mapping[int, int] | None = None
    ) -> QueueConsumer:
        if stored_offsets:
            async with self._db.unit_of_work(write=True) as uow:
                await uow.offsets.store(group, self.topic, stored_offsets)
                await uow.commit()
        return SqliteLogConsumer(self._log, self._db, group, self.topic)

    async def close(self, consumer: QueueConsumer) -> None:
        """Nothing to leave: the position lives in the database."""

    async def dead_lettered(self, count: int) -> list[tuple[bytes | None, bytes]]:
        return [(r.key, r.value) for r in await self._log.dead_lettered()]


class KafkaHarness:
    def __init__(self, bootstrap: str, topic: str, producer: KafkaBookingQueue) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.producer = producer
        self._open: list[KafkaBookingConsumer] = []

    async def send_raw(self, key: bytes, value: bytes) -> None:
        await self.producer.send_raw(key, value)

    async def consumer(
        self,
        group: str,
        stored_offsets: Mapping[int, int] | None = None,
        *,
        topic: str | None = None,
    ) -> KafkaBookingConsumer:
        async def from_database() -> dict[int, int]:
            return dict(stored_offsets or {})

        consumer = KafkaBookingConsumer(
            self.bootstrap, topic or self.topic, group=group, stored_offsets=from_database
        )
        self._open.append(consumer)
        return consumer

    async def close(self, consumer: QueueConsumer) -> None:
        assert isinstance(consumer, KafkaBookingConsumer)
        await consumer.close()

    async def close_all(self) -> None:
        for consumer in self._open:
            await consumer.close()

    async def dead_lettered(self, count: int) -> list[tuple[bytes | None, bytes]]:
        reader = await self.consumer(unique("dlq-reader"), topic=dead_letter_topic(self.topic))
        return [(r.key, r.value) for r in await receive(reader, count)]


@pytest.fixture
async def sqlite_harness(sqlite_database: Database) -> AsyncIterator[SqliteHarness]:
    log = SqliteLog(sqlite_database)
    await log.start()
    yield SqliteHarness(sqlite_database, log)
    await log.stop()


def delete_topics(bootstrap: str, topics: list[str], security: KafkaSecurity = PLAINTEXT) -> None:
    # The client stays alive until the futures resolve.
    admin = AdminClient({"bootstrap.servers": bootstrap} | security.client_config())
    for future in admin.delete_topics(topics).values():
        future.result()


@pytest.fixture
async def kafka_harness(kafka_bootstrap: str) -> AsyncIterator[KafkaHarness]:
    topic = unique("bolt-test")
    await asyncio.to_thread(
        ensure_topics,
        kafka_bootstrap,
        topic,
        KAFKA_PARTITIONS,
        replication_factor=1,
        min_insync_replicas=1,
    )
    producer = KafkaBookingQueue(kafka_bootstrap, topic)
    await producer.start()
    harness = KafkaHarness(kafka_bootstrap, topic, producer)
    yield harness
    await harness.close_all()
    await producer.stop()
    await asyncio.to_thread(delete_topics, kafka_bootstrap, [topic, dead_letter_topic(topic)])


@pytest.fixture(params=["sqlite", "kafka"])
def harness(request: pytest.FixtureRequest) -> Harness:
    """The same test against the embedded log and against Kafka."""
    chosen: Harness = request.getfixturevalue(f"{request.param}_harness")
    return chosen


# --- The contract, for every adapter ------------------------------------------------------


async def test_a_sent_request_is_polled_with_its_ticket_type_as_key(harness: Harness) -> None:
    request = booking(uuid.uuid4())
    await harness.producer.send(request)

    [record] = await receive(await harness.consumer(unique("group")), 1)

    assert record.value == encode_request(request)
    assert decode_request(record.value) == request
    assert record.key == str(request.ticket_type_id).encode()


async def test_each_ticket_type_comes_back_in_send_order(harness: Harness) -> None:
    keys = [uuid.uuid4() for _ in range(3)]
    requests = [booking(keys[i % 3]) for i in range(200)]
    await asyncio.gather(*(harness.producer.send(r) for r in requests))

    records = await receive(await harness.consumer(unique("group")), len(requests))

    received: defaultdict[UUID, list[UUID]] = defaultdict(list)
    for record in records:
        request = decode_request(record.value)
        received[request.ticket_type_id].append(request.booking_id)
    for key in keys:
        assert received[key] == [r.booking_id for r in requests if r.ticket_type_id == key]


async def test_lag_counts_the_records_past_what_was_polled(harness: Harness) -> None:
    ticket_type = uuid.uuid4()  # one key: one partition
    for _ in range(5):
        await harness.producer.send(booking(ticket_type))
    consumer = await harness.consumer(unique("group"))
    polled: list[QueueRecord] = []
    async with asyncio.timeout(PATIENCE):
        while len(polled) < 2:
            polled += await consumer.poll(2 - len(polled), 1.0)

    partition = polled[0].partition
    assert consumer.lag()[partition] == 3
    await receive(consumer, 3)
    assert consumer.lag()[partition] == 0


async def first_member_polls(
    harness: Harness, requests: Sequence[BookingRequest]
) -> tuple[str, QueueConsumer, list[QueueRecord]]:
    """Send the requests; the first member of a new group polls them, commits nothing."""
    for request in requests:
        await harness.producer.send(request)
    group = unique("group")
    first = await harness.consumer(group)
    return group, first, await receive(first, len(requests))


async def test_uncommitted_records_go_to_the_next_member_of_the_group(harness: Harness) -> None:
    requests = [booking(uuid.uuid4()) for _ in range(10)]
    group, first, polled = await first_member_polls(harness, requests)
    await harness.close(first)

    again = await receive(await harness.consumer(group), 10)

    assert sorted(positions(again)) == sorted(positions(polled))
    assert sorted(r.value for r in again) == sorted(encode_request(r) for r in requests)


async def test_committed_records_are_not_delivered_again(harness: Harness) -> None:
    group, first, polled = await first_member_polls(
        harness, [booking(uuid.uuid4()) for _ in range(10)]
    )
    # As the worker does: the position goes into the database with the bookings, then
    # the queue is told.
    await first.commit(polled[:4])
    await harness.close(first)

    second = await harness.consumer(group, next_offsets(polled[:4]))
    rest = await receive(second, 6)

    assert sorted(positions(rest)) == sorted(positions(polled[4:]))
    await assert_nothing_more(second)


async def test_a_consumer_resumes_at_the_offsets_the_database_stored(harness: Harness) -> None:
    ticket_type_id = uuid.uuid4()  # one key: all in one partition
    group, first, polled = await first_member_polls(
        harness, [booking(ticket_type_id) for _ in range(6)]
    )
    await first.commit(polled[:2])
    await harness.close(first)

    # The database is ahead of the queue's own commit (the worker died between the two).
    second = await harness.consumer(group, {polled[0].partition: polled[4].offset})
    rest = await receive(second, 2)

    assert positions(rest) == positions(polled[4:])
    await assert_nothing_more(second)


async def test_a_cancelled_poll_loses_no_records(harness: Harness) -> None:
    consumer = await harness.consumer(unique("group"))
    await harness.producer.send(booking(uuid.uuid4()))
    await receive(consumer, 1)  # assigned and caught up
    waiting = asyncio.create_task(consumer.poll(10, 10.0))
    await asyncio.sleep(0)  # the poll is under way
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    request = booking(uuid.uuid4())
    await harness.producer.send(request)

    [record] = await receive(consumer, 1)

    assert record.value == encode_request(request)


async def test_stopping_the_producer_stores_what_it_accepted(harness: Harness) -> None:
    requests = [booking(uuid.uuid4()) for _ in range(50)]
    sends = [asyncio.create_task(harness.producer.send(r)) for r in requests]
    await asyncio.sleep(0)  # every send handed its request over
    await harness.producer.stop()
    await asyncio.gather(*sends)

    records = await receive(await harness.consumer(unique("group")), len(requests))

    assert sorted(r.value for r in records) == sorted(encode_request(r) for r in requests)


async def test_dead_letters_keep_the_bytes_and_the_key(harness: Harness) -> None:
    await harness.send_raw(b"some-key", b"\x00 not a booking request")
    consumer = await harness.consumer(unique("group"))
    [record] = await receive(consumer, 1)

    await consumer.dead_letter(record)

    assert await harness.dead_lettered(1) == [(b"some-key", b"\x00 not a booking request")]


# --- Kafka only ---------------------------------------------------------------------------


async def test_send_fails_fast_when_no_broker_answers() -> None:
    producer = KafkaBookingQueue("127.0.0.1:1", "ticket-bookings", delivery_timeout_ms=1000)
    await producer.start()
    try:
        with pytest.raises(QueueUnavailable):
            await asyncio.wait_for(producer.send(booking(uuid.uuid4())), PATIENCE)
    finally:
        await producer.stop()


async def test_kafka_starts_where_the_database_says_whatever_kafka_committed(
    kafka_harness: KafkaHarness,
) -> None:
    group, first, polled = await first_member_polls(
        kafka_harness, [booking(uuid.uuid4()) for _ in range(10)]
    )
    await first.commit(polled[:4])
    await kafka_harness.close(first)

    # No offset in the database: nothing of these partitions was ever applied, so the next
    # owner starts at their beginning without asking the group coordinator.
    again = await receive(await kafka_harness.consumer(group, {}), 10)

    assert sorted(positions(again)) == sorted(positions(polled))


async def test_kafka_starts_from_its_own_commit_when_the_database_cannot_be_read(
    kafka_harness: KafkaHarness,
) -> None:
    group, first, polled = await first_member_polls(
        kafka_harness, [booking(uuid.uuid4()) for _ in range(10)]
    )
    await first.commit(polled[:4])
    await kafka_harness.close(first)

    async def database_down() -> dict[int, int]:
        raise ConnectionRefusedError("the database is down")

    second = KafkaBookingConsumer(
        kafka_harness.bootstrap, kafka_harness.topic, group=group, stored_offsets=database_down
    )
    try:
        rest = await receive(second, 6)
        assert sorted(positions(rest)) == sorted(positions(polled[4:]))
    finally:
        await second.close()


async def test_sending_after_stop_is_refused(kafka_harness: KafkaHarness) -> None:
    await kafka_harness.producer.stop()

    with pytest.raises(QueueUnavailable):
        await kafka_harness.producer.send(booking(uuid.uuid4()))


async def test_a_commit_the_group_refuses_is_not_raised(kafka_harness: KafkaHarness) -> None:
    requests = [booking(uuid.uuid4()) for _ in range(10)]
    group, member, polled = await first_member_polls(kafka_harness, requests)
    # Not (or no longer) a member: the broker refuses the commit, as it does for a worker
    # whose partitions moved while it was busy with its batch.
    outsider = await kafka_harness.consumer(group)

    await outsider.commit(polled)

    await kafka_harness.close(outsider)
    await kafka_harness.close(member)
    again = await receive(await kafka_harness.consumer(group), len(requests))
    assert sorted(positions(again)) == sorted(positions(polled))


async def test_group_members_share_the_partitions_and_take_over(
    kafka_harness: KafkaHarness,
) -> None:
    keys = [uuid.uuid4() for _ in range(30)]  # spread over every partition
    group = unique("group")
    leaving, staying = await kafka_harness.consumer(group), await kafka_harness.consumer(group)
    got: dict[KafkaBookingConsumer, list[QueueRecord]] = {leaving: [], staying: []}

    async def poll_and_commit(consumer: KafkaBookingConsumer) -> None:
        records = await consumer.poll(100, 0.5)
        await consumer.commit(records)
        got[consumer] += records

    # Keep both polling (a member that does not poll takes no part in the rebalance) and
    # keep sending until each has received from the partitions it was given.
    sent: set[bytes] = set()
    async with asyncio.timeout(PATIENCE):
        while not (got[leaving] and got[staying]):
            for key in keys:
                request = booking(key)
                await kafka_harness.producer.send(request)
                sent.add(encode_request(request))
            await asyncio.gather(poll_and_commit(leaving), poll_and_commit(staying))

    await kafka_harness.close(leaving)
    later = [booking(key) for key in keys]
    for request in later:
        await kafka_harness.producer.send(request)
    received = {r.value for r in got[leaving] + got[staying]}
    rest = (sent - received) | {encode_request(r) for r in later}
    taken_over = await receive_values(staying, rest)

    assert {r.partition for r in taken_over} == set(range(KAFKA_PARTITIONS))


async def test_ensure_topics_accepts_existing_topics(kafka_harness: KafkaHarness) -> None:
    await asyncio.to_thread(
        ensure_topics,
        kafka_harness.bootstrap,
        kafka_harness.topic,
        KAFKA_PARTITIONS,
        replication_factor=1,
        min_insync_replicas=1,
    )


def _describe(bootstrap: str, topic: str) -> tuple[int, set[int], str]:
    """partitions, replica counts of them, and min.insync.replicas, as the broker has them."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    partitions = admin.list_topics(topic, timeout=30).topics[topic].partitions.values()
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    configs = admin.describe_configs([resource])[resource].result(timeout=30)
    return (
        len(partitions),
        {len(p.replicas) for p in partitions},
        configs["min.insync.replicas"].value,
    )


async def test_topics_are_created_with_the_replication_asked_for(kafka_bootstrap: str) -> None:
    topic = unique("bolt-test-replicas")
    # Two in sync of one replica cannot take a write, but shows the setting reaches the
    # broker on a one-broker test cluster (the broker's own default is 1).
    await asyncio.to_thread(
        ensure_topics,
        kafka_bootstrap,
        topic,
        KAFKA_PARTITIONS,
        replication_factor=1,
        min_insync_replicas=2,
    )
    try:
        assert await asyncio.to_thread(_describe, kafka_bootstrap, topic) == (
            KAFKA_PARTITIONS,
            {1},
            "2",
        )
        dead = dead_letter_topic(topic)
        assert await asyncio.to_thread(_describe, kafka_bootstrap, dead) == (1, {1}, "2")
    finally:
        await asyncio.to_thread(delete_topics, kafka_bootstrap, [topic, dead_letter_topic(topic)])

    # Three replicas on a one-broker cluster: the broker is really asked for them.
    with pytest.raises(KafkaException, match=r"INVALID_REPLICATION_FACTOR|[Rr]eplication factor"):
        await asyncio.to_thread(
            ensure_topics,
            kafka_bootstrap,
            unique("bolt-test-replicas"),
            1,
            replication_factor=3,
            min_insync_replicas=2,
        )


async def test_reachability_is_a_metadata_request(kafka_bootstrap: str) -> None:
    await kafka_reachable(kafka_bootstrap, 10.0)
    with pytest.raises(ConnectionError):
        await kafka_reachable("127.0.0.1:1", 1.0)
