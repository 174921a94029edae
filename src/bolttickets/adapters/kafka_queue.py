"""The booking queue on Apache Kafka: the producer the API sends through, the worker's consumer.

Built on confluent-kafka (librdkafka): it speaks to Kafka 4 brokers and has the idempotent
producer that "202 means durable" relies on, whereas aiokafka's Kafka 4 support was still an
open issue. librdkafka's calls block, so they stay off the event loop: the producer's
delivery reports are served by a thread of their own, and every consumer call runs on one
dedicated thread (librdkafka wants a consumer used from one thread at a time, and rebalance
callbacks run inside ``consume``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import structlog
from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic  # what .admin re-exports, typed only here
from opentelemetry.trace import SpanKind

from bolttickets.adapters.kafka_security import PLAINTEXT, KafkaSecurity
from bolttickets.domain.errors import QueueUnavailable
from bolttickets.domain.requests import BookingRequest
from bolttickets.observability import metrics
from bolttickets.observability.tracing import Headers, child_span, current_context_headers
from bolttickets.services.messages import encode_request
from bolttickets.services.ports import QueueRecord, next_offsets

log = structlog.get_logger("bolttickets.kafka")
T = TypeVar("T")

StoredOffsets = Callable[[], Coroutine[Any, Any, dict[int, int]]]
"""partition -> next offset to consume, as the database's consumer_offsets table holds it."""

DEFAULT_GROUP = "booking-workers"
DEFAULT_DELIVERY_TIMEOUT_MS = 5000
DEFAULT_STALL_AFTER = 30.0


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def _client_config(bootstrap: str, security: KafkaSecurity) -> dict[str, Any]:
    """What every client of the application's has in common: where, and how to log in."""
    # librdkafka writes its own log lines to stderr unless it is given a logger: this one
    # sends them through the application's logging setup (JSON in production).
    return {
        "bootstrap.servers": bootstrap,
        "client.id": "bolttickets",
        "logger": logging.getLogger("bolttickets.kafka.librdkafka"),
    } | security.client_config()


def _headers(message: Message) -> list[tuple[str, bytes]]:
    """The message's headers that have a value (a booking's are its trace context)."""
    headers = message.headers()
    if not isinstance(headers, list):  # none: librdkafka hands them over as a list
        return []
    return [(name, value) for name, value in headers if isinstance(value, bytes)]


def _log_client_error(error: KafkaError) -> None:
    # Mostly transient (a broker restarting); librdkafka reconnects by itself. A fatal one
    # leaves the client unusable, so every send fails until the process is restarted.
    if error.fatal():
        log.error("kafka_fatal_error", error=str(error))
    else:
        log.warning("kafka_error", error=str(error))


class KafkaBookingQueue:
    """Sends booking requests, keyed by ticket type, and returns once Kafka acknowledged them.

    ``acks=all`` with the idempotent producer: an acknowledged request is on every in-sync
    replica and a retried batch is never written twice. A request that is not acknowledged
    within ``delivery_timeout_ms`` fails with QueueUnavailable, so a dead broker becomes a
    503 in seconds rather than a request hanging.
    """

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        *,
        security: KafkaSecurity = PLAINTEXT,
        delivery_timeout_ms: int = DEFAULT_DELIVERY_TIMEOUT_MS,
        linger_ms: int = 2,
        flush_timeout: float = 10.0,
    ) -> None:
        self.topic = topic
        self._config = _client_config(bootstrap, security) | {
            "enable.idempotence": True,
            "acks": "all",
            # A couple of milliseconds gather the sends of concurrent buyers into one
            # produce request; under a flash sale that is most of the throughput.
            "linger.ms": linger_ms,
            "delivery.timeout.ms": delivery_timeout_ms,
            # The partitioner of the Java clients: a key lands on the same partition
            # whichever client produced it, which is what keeps one ticket type in order.
            "partitioner": "murmur2_random",
            "error_cb": _log_client_error,
        }
        self._flush_timeout = flush_timeout
        self._send_span_attributes = {
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
        }
        self._producer: Producer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._polling = threading.Event()
        self._poller: threading.Thread | None = None
        self._reports: list[tuple[asyncio.Future[None], KafkaError | None]] = []

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._producer = Producer(self._config)
        self._polling.set()
        self._poller = threading.Thread(
            target=self._serve_delivery_reports,
            args=(self._producer,),
            name=f"kafka-producer-{self.topic}",
            daemon=True,
        )
        self._poller.start()

    async def stop(self) -> None:
        """Stop accepting sends, then wait (up to ``flush_timeout``) for the accepted ones."""
        producer, poller = self._producer, self._poller
        if producer is None or poller is None:
            return
        self._producer = None
        self._polling.clear()
        await asyncio.to_thread(poller.join)
        undelivered = await asyncio.to_thread(self._flush, producer, self._flush_timeout)
        if undelivered:
            # Their senders get QueueUnavailable, as for any failed send: the holds stay
            # and the sweeper produces them again.
            log.error("kafka_flush_incomplete", topic=self.topic, undelivered=undelivered)
            producer.purge()
            await asyncio.to_thread(self._flush, producer, 1.0)

    @metrics.timed(metrics.PRODUCE_SECONDS)
    async def send(self, request: BookingRequest) -> None:
        """Send the request in the current trace: the span of the send is in it, and the
        message carries the send's trace context to the worker."""
        with child_span(
            f"send {self.topic}", kind=SpanKind.PRODUCER, attributes=self._send_span_attributes
        ):
            await self.send_raw(
                str(request.ticket_type_id).encode(),
                encode_request(request),
                current_context_headers(),
            )

    async def send_raw(self, key: bytes | None, value: bytes, headers: Headers = ()) -> None:
        """Send bytes as they are; returns once Kafka acknowledged them."""
        producer, loop = self._producer, self._loop
        if producer is None or loop is None:
            raise QueueUnavailable("The Kafka producer is not running.")
        acked: asyncio.Future[None] = loop.create_future()
        try:
            producer.produce(
                self.topic,
                value,
                key,
                headers=list(headers) or None,
                on_delivery=functools.partial(self._delivered, acked),
            )
        except BufferError as exc:
            raise QueueUnavailable("The Kafka producer's local queue is full.") from exc
        except KafkaException as exc:
            raise QueueUnavailable(f"Kafka refused the booking: {exc}") from exc
        await acked

    def _serve_delivery_reports(self, producer: Producer) -> None:
        while self._polling.is_set():
            producer.poll(0.1)
            self._hand_over_reports()

    def _flush(self, producer: Producer, timeout: float) -> int:
        undelivered = producer.flush(timeout)
        self._hand_over_reports()
        return undelivered

    def _delivered(
        self, acked: asyncio.Future[None], error: KafkaError | None, _message: Message
    ) -> None:
        # Runs inside poll/flush. Collected rather than handed over one by one: the event
        # loop then wakes once per batch of acknowledgements, not once per message.
        self._reports.append((acked, error))

    def _hand_over_reports(self) -> None:
        if self._reports and self._loop is not None:
            reports, self._reports = self._reports, []
            self._loop.call_soon_threadsafe(_settle, reports)


def _settle(reports: list[tuple[asyncio.Future[None], KafkaError | None]]) -> None:
    for acked, error in reports:
        if acked.done():  # the sender was cancelled; its hold stays and the sweeper resends it
            continue
        if error is None:
            acked.set_result(None)
        else:
            acked.set_exception(QueueUnavailable(f"Kafka did not acknowledge the booking: {error}"))


class KafkaBookingConsumer:
    """The worker's side: a member of a consumer group that commits only what it applied.

    The database is the source of truth for the position: the worker stores the next
    offsets in the same transaction as the bookings, and every newly assigned partition
    starts from there (``stored_offsets``; a partition the database has no offset for has
    never had a record applied, so it starts from the beginning). The group coordinator is
    thus never asked where to start, and its answers (NOT_COORDINATOR after a broker
    restart, which librdkafka does not retry) cannot leave a partition unconsumed.
    Committing to Kafka afterwards keeps the group's lag visible to Kafka's own tools, and
    is where a partition starts when the database cannot be read: Kafka's offset never
    passes the database's, so that costs only redeliveries.

    A watchdog covers whatever else may wedge librdkafka: when partitions it owns have
    records waiting and none was delivered for ``stall_after`` seconds, the consumer is
    closed and a new one joins the group in its place; ``stalled`` says why meanwhile.
    """

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        *,
        stored_offsets: StoredOffsets,
        security: KafkaSecurity = PLAINTEXT,
        group: str = DEFAULT_GROUP,
        delivery_timeout_ms: int = DEFAULT_DELIVERY_TIMEOUT_MS,
        stored_offsets_timeout: float = 10.0,
        stall_after: float = DEFAULT_STALL_AFTER,
    ) -> None:
        self._bootstrap = bootstrap
        self._security = security
        self.topic = topic
        self.group = group
        self._stored_offsets = stored_offsets
        self._stored_offsets_timeout = stored_offsets_timeout
        self._delivery_timeout_ms = delivery_timeout_ms
        self._stall_after = stall_after
        # Often enough to notice a stall well within stall_after, rarely enough that the
        # watermark requests cost nothing.
        self._check_every = min(stall_after / 3, 5.0)
        self._consumer = self._join()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kafka-{group}")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unclaimed: asyncio.Future[list[QueueRecord]] | None = None
        self._dead_letters: KafkaBookingQueue | None = None
        self._closed = False
        # The watchdog's state, written on the consumer's thread only.
        self._next: dict[int, int] = {}
        """partition -> the offset after the last one delivered (or assigned), when known."""
        self._progress_at = time.monotonic()
        self._checked_at = self._progress_at
        self._rebuilt_at = self._progress_at
        self._stall: str | None = None
        self._lag: dict[int, int] = {}

    def _join(self) -> Consumer:
        consumer = Consumer(
            _client_config(self._bootstrap, self._security)
            | {
                "group.id": self.group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                # A worker that dies loses its partitions within seconds, not the default 45.
                "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 1000,
                # Room for a batch whose transaction waits for the database to come back.
                "max.poll.interval.ms": 60000,
                # A worker joining or leaving moves only the partitions that change owner;
                # the others keep being consumed through the rebalance.
                "partition.assignment.strategy": "cooperative-sticky",
                "error_cb": _log_client_error,
            }
        )
        consumer.subscribe([self.topic], on_assign=self._on_assign)
        return consumer

    async def poll(self, max_records: int, timeout: float) -> list[QueueRecord]:
        """Whatever is there, as soon as anything is (up to ``max_records``); waits up to
        ``timeout`` only when nothing is."""
        if self._unclaimed is None:
            self._unclaimed = self._on_consumer_thread(self._consume, max_records, timeout)
        # Shielded: when this poll is cancelled the consume goes on and the next poll returns
        # its records. Dropping them would let a later commit pass records nobody applied.
        try:
            records = await asyncio.shield(self._unclaimed)
        except Exception:
            self._unclaimed = None
            raise
        self._unclaimed = None
        return records

    def _on_consumer_thread(self, call: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        # Any consumer call may run rebalance callbacks, and those read the stored offsets
        # through the event loop of whoever made the call.
        self._loop = asyncio.get_running_loop()
        return self._loop.run_in_executor(self._thread, call, *args)

    def _consume(self, max_records: int, timeout: float) -> list[QueueRecord]:
        # consume(n, timeout) waits for n messages or the whole timeout; asking for one
        # first and then for what is already fetched returns a batch without that wait.
        messages = self._consumer.consume(1, timeout)
        if messages and max_records > 1:
            messages += self._consumer.consume(max_records - 1, 0)
        records = []
        for message in messages:
            error = message.error()
            partition, offset = message.partition(), message.offset()
            if error is not None or partition is None or offset is None:
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    log.warning("kafka_consume_error", topic=self.topic, error=str(error))
                continue
            # A null value is no booking request: it reaches the dead letters as b"".
            value = message.value() or b""
            records.append(QueueRecord(partition, offset, message.key(), value, _headers(message)))
        if records:
            self._next.update(next_offsets(records))
            self._progress_at = time.monotonic()
            self._stall = None
        else:
            self._watch()
        self._lag = self._behind()
        return records

    def _behind(self) -> dict[int, int]:
        """Records past our position per assigned partition, from the high watermarks the
        last fetches brought (no request to the broker); a partition neither fetched nor
        delivered from yet is left out."""
        behind = {}
        for tp in self._consumer.assignment():
            low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            position = self._next.get(tp.partition, low)
            if high >= 0 and position >= 0:
                behind[tp.partition] = max(0, high - position)
        return behind

    def lag(self) -> dict[int, int]:
        return self._lag

    def stalled(self) -> str | None:
        return self._stall

    def _watch(self) -> None:
        """Runs on the consumer's thread after a consume that delivered nothing."""
        now = time.monotonic()
        if now - self._checked_at < self._check_every:
            return
        self._checked_at = now
        waiting = self._waiting()
        if waiting is None:  # the broker did not answer: no new verdict either way
            return
        if not waiting:
            # Idle is not stalled: the stall clock starts when records are first waiting.
            self._progress_at = now
            self._stall = None
            return
        stuck_for = now - self._progress_at
        if stuck_for <= self._stall_after:
            return
        self._stall = (
            f"{sum(waiting.values())} records waiting on partitions {sorted(waiting)} of "
            f"{self.topic} and none consumed for {stuck_for:.0f} s"
        )
        if now - self._rebuilt_at > self._stall_after:
            self._rebuild()

    def _waiting(self) -> dict[int, int] | None:
        """partition -> records past our position, for each assigned partition that has any;
        None when the broker cannot tell."""
        waiting = {}
        for tp in self._consumer.assignment():
            try:
                low, high = self._consumer.get_watermark_offsets(
                    tp, timeout=min(self._check_every, 2.0)
                )
            except KafkaException:
                return None
            # Not delivered from yet: it starts where the database said, else at the start.
            position = self._next.get(tp.partition, low)
            if high > position:
                waiting[tp.partition] = high - position
        return waiting

    def _rebuild(self) -> None:
        log.warning(
            "kafka_consumer_rebuilt", topic=self.topic, group=self.group, reason=self._stall
        )
        self._rebuilt_at = time.monotonic()
        try:
            self._consumer.close()
        except KafkaException as exc:  # it is being replaced because it misbehaves
            log.warning("kafka_consumer_close_failed", topic=self.topic, error=str(exc))
        self._next = {}
        self._consumer = self._join()

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Runs inside ``consume``, on the consumer's thread, while the event loop is free."""
        stored = self._fetch_stored_offsets() if partitions else {}
        for tp in partitions:
            if stored is None:
                self._next.pop(tp.partition, None)  # from Kafka's committed offset
            elif tp.partition in stored:
                tp.offset = self._next[tp.partition] = stored[tp.partition]
            else:
                tp.offset = OFFSET_BEGINNING
                self._next.pop(tp.partition, None)
        consumer.incremental_assign(partitions)
        log.info(
            "kafka_partitions_assigned",
            topic=self.topic,
            group=self.group,
            offsets={
                tp.partition: "committed"
                if stored is None
                else stored.get(tp.partition, "beginning")
                for tp in partitions
            },
        )

    def _fetch_stored_offsets(self) -> dict[int, int] | None:
        assert self._loop is not None, "callbacks run only inside _on_consumer_thread calls"
        fetch = asyncio.run_coroutine_threadsafe(self._stored_offsets(), self._loop)
        try:
            return fetch.result(self._stored_offsets_timeout)
        except Exception:
            fetch.cancel()
            # Kafka's committed offsets never pass the database's, so starting from them
            # only redelivers records the database recognises as applied.
            log.exception("stored_offsets_unavailable", topic=self.topic, group=self.group)
            return None

    async def commit(self, records: Sequence[QueueRecord]) -> None:
        if not records:
            return
        offsets = [TopicPartition(self.topic, p, o) for p, o in next_offsets(records).items()]
        await self._on_consumer_thread(self._commit, offsets)

    def _commit(self, offsets: list[TopicPartition]) -> None:
        # A commit refused because the partitions moved in a rebalance (or because the
        # broker is away) is harmless: the database holds the position the next owner
        # starts from. So it is logged, never raised into the worker's loop.
        try:
            committed = self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            log.warning("kafka_commit_failed", topic=self.topic, error=str(exc))
            return
        for tp in committed:
            if tp.error is not None:
                log.warning(
                    "kafka_commit_failed",
                    topic=self.topic,
                    partition=tp.partition,
                    error=str(tp.error),
                )

    async def dead_letter(self, record: QueueRecord) -> None:
        """Store the record's bytes, with its key, on ``<topic>.dlq``; returns once acked."""
        if self._dead_letters is None:
            # Started on first use: a healthy stream never needs this producer.
            self._dead_letters = KafkaBookingQueue(
                self._bootstrap,
                dead_letter_topic(self.topic),
                security=self._security,
                delivery_timeout_ms=self._delivery_timeout_ms,
            )
            await self._dead_letters.start()
        # With the request's own trace context: its trace shows where it ended.
        await self._dead_letters.send_raw(record.key, record.value, record.headers)

    async def close(self) -> None:
        """Leave the group now, so the partitions move at once instead of after the session
        timeout."""
        if self._closed:
            return
        self._closed = True
        await self._on_consumer_thread(self._consumer.close)
        self._thread.shutdown()
        if self._dead_letters is not None:
            await self._dead_letters.stop()


def ensure_topics(
    bootstrap: str,
    topic: str,
    partitions: int,
    *,
    replication_factor: int,
    min_insync_replicas: int,
    security: KafkaSecurity = PLAINTEXT,
    timeout: float = 30.0,
) -> None:
    """Create ``topic`` with ``partitions`` partitions and its one-partition dead-letter topic,
    unless they exist. Blocks until the broker confirmed. The only place topics are made:
    the API and the worker call it at start-up, and ``scripts/services`` creates none.

    Only the missing ones are asked for: a login that may not create topics (Event Hubs'
    Send+Listen rule, whose hubs Terraform makes) then starts as well as one that may."""
    # With acks=all a write is durable once min.insync.replicas have it.
    durability = {"min.insync.replicas": str(min_insync_replicas)}
    wanted = [
        NewTopic(topic, partitions, replication_factor, config=durability),
        NewTopic(
            dead_letter_topic(topic),
            1,
            replication_factor,
            # Dead letters are the only copy of what could not be read: keep them.
            config=durability | {"retention.ms": "-1"},
        ),
    ]
    admin = AdminClient(_client_config(bootstrap, security))
    existing = admin.list_topics(timeout=timeout).topics
    missing = [new for new in wanted if new.topic not in existing]
    if not missing:
        return
    created = admin.create_topics(missing, operation_timeout=timeout, request_timeout=timeout)
    for future in created.values():
        try:
            future.result()
        except KafkaException as exc:
            # Another process started at the same moment may have made it first.
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise


async def kafka_reachable(
    bootstrap: str, timeout: float, *, security: KafkaSecurity = PLAINTEXT
) -> None:
    """Raise ConnectionError unless a broker answers a metadata request within ``timeout``.

    The error names the client's last error too: a timed-out request alone does not say
    whether the broker is down, refused the login or presented a certificate that does not
    verify, and the operator reading ``worker --check`` needs to know which.
    """
    errors: list[KafkaError] = []
    admin = AdminClient(_client_config(bootstrap, security) | {"error_cb": errors.append})
    try:
        await asyncio.to_thread(admin.list_topics, timeout=timeout)
    except KafkaException as exc:
        admin.poll(0)  # serves the error callbacks queued meanwhile
        # The first is the cause; "all brokers are down" and the retries' repeats follow.
        cause = f"{errors[0].str()} ({exc.args[0].str()})" if errors else str(exc)
        raise ConnectionError(f"Kafka at {bootstrap} did not answer: {cause}") from exc
