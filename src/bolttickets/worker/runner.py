"""The worker's loops. Thin: records in, service calls out."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

import structlog

from bolttickets.domain.errors import DatabaseUnavailable
from bolttickets.domain.requests import BookingRequest
from bolttickets.observability import metrics, tracing
from bolttickets.services.batch import BatchOutcome, QueuePosition, apply_batch, publish_outcome
from bolttickets.services.booking_payments import BookingPayments
from bolttickets.services.messages import UndecodableMessage, decode_request
from bolttickets.services.ports import (
    BookingQueue,
    Clock,
    PubSub,
    QueueConsumer,
    QueueRecord,
    RefusedByDatabase,
    Settlement,
    StockStore,
    UnitOfWorkFactory,
    next_offsets,
)
from bolttickets.services.stock_sync import StockSync
from bolttickets.services.sweeper import resend_stale_holds

log = structlog.get_logger("bolttickets.worker")
T = TypeVar("T")

_STOP_CHECK_SECONDS = 0.2
_RESTART_FIRST_SECONDS = 0.1
_RESTART_MAX_SECONDS = 5.0
# Ticket types exported as gauges: the first of the sales that have not closed, so the
# series stay bounded however many sales there are.
_OBSERVED_TICKET_TYPES = 200


class BookingWorker:
    def __init__(
        self,
        *,
        consumer: QueueConsumer,
        group: str,
        topic: str,
        uow: UnitOfWorkFactory,
        stock: StockStore,
        queue: BookingQueue,
        pubsub: PubSub,
        sync: StockSync,
        clock: Clock,
        batch_size: int,
        linger: float = 0.0,
        sweep_after: timedelta,
        reconcile_every: float,
        reservations: BookingPayments,
        expire_every: float,
    ) -> None:
        self._consumer = consumer
        self._group = group
        self._topic = topic
        self._uow = uow
        self._stock = stock
        self._queue = queue
        self._pubsub = pubsub
        self._sync = sync
        self._clock = clock
        self._batch_size = batch_size
        self._linger = linger
        self._sweep_after = sweep_after
        self._reconcile_every = reconcile_every
        self._reservations = reservations
        self._expire_every = expire_every
        self._touched: set[UUID] = set()
        self._stopping = asyncio.Event()
        self._behind = False
        self._failing: str | None = None
        self._polled = False
        self._lag_gauges = metrics.LabelledGauges(metrics.CONSUMER_LAG)
        self._sale_gauges = metrics.LabelledGauges(*metrics.TICKET_GAUGES)

    def stop(self) -> None:
        """Finish the batch in hand, commit it, then return from ``run``."""
        self._stopping.set()

    async def run(self) -> None:
        helpers = [
            asyncio.create_task(self._every(self._sweep_after.total_seconds() / 2, self.sweep)),
            asyncio.create_task(self._every(self._reconcile_every, self.reconcile)),
            asyncio.create_task(self._every(self._reconcile_every, self.observe)),
            asyncio.create_task(self._every(self._expire_every, self.expire)),
        ]
        try:
            await self._consume_until_stopped()
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def problem(self) -> str | None:
        """Why this worker is not making progress (its loop failing, its consumer stalled or
        not polled yet), or None while it is; readiness reports it."""
        if self._failing is not None:
            return self._failing
        if not self._polled:
            return "its consumer has not polled yet"
        return self._consumer.stalled()

    async def _consume_until_stopped(self) -> None:
        """The consume loop, restarted with backoff whatever fails in it (a poll, a commit,
        the log locked or a full disk): a worker that stops for good leaves every later
        booking pending. Records in hand when it failed were applied with their offsets or
        not at all; their holds stay, and the sweeper sends those again."""
        delay = _RESTART_FIRST_SECONDS
        while not self._stopping.is_set():
            try:
                await self.consume_once(timeout=0.2)
            except Exception as exc:
                self._failing = f"the consume loop failed: {exc!r}"
                log.exception("worker_loop_failed", restart_in=delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, _RESTART_MAX_SECONDS)
                continue
            if self._failing is not None:
                log.info("worker_loop_recovered")
                self._failing = None
            if self._consumer.stalled() is None:
                metrics.LAST_PROGRESS.set_to_current_time()
            delay = _RESTART_FIRST_SECONDS

    async def consume_once(self, timeout: float) -> int:
        records = await self._fill_batch(timeout)
        self._polled = True
        self._behind = len(records) >= self._batch_size
        if not records:
            return 0
        with tracing.consuming(self._topic, [record.headers for record in records]):
            started = time.perf_counter()
            requests = await self._decode(records)
            outcome = await self._apply(records, requests, 0, len(records))
            inventory = await self._stock.settle(outcome.settlements)
            await self._consumer.commit(records)
            with tracing.child_span("publish statuses"):
                await publish_outcome(self._pubsub, outcome, inventory)
            self._touched.update(r.ticket_type_id for r in requests if r is not None)
            metrics.observe_batch(outcome.decided, len(records), time.perf_counter() - started)
        return len(records)

    async def _fill_batch(self, timeout: float) -> list[QueueRecord]:
        records = await self._consumer.poll(self._batch_size, timeout)
        if not records or self._linger <= 0:
            return records
        deadline = time.monotonic() + self._linger
        while (
            len(records) < self._batch_size
            and not self._stopping.is_set()  # a stop applies what is in hand at once
            and (left := deadline - time.monotonic()) > 0
        ):
            wait = min(left, _STOP_CHECK_SECONDS)
            records += await self._consumer.poll(self._batch_size - len(records), wait)
        return records

    async def _decode(self, records: Sequence[QueueRecord]) -> list[BookingRequest | None]:
        """Each record's request, or None for one that is not a request (dead-lettered)."""
        requests: list[BookingRequest | None] = []
        for record in records:
            try:
                requests.append(decode_request(record.value))
            except UndecodableMessage as exc:
                await self._dead_letter(record, str(exc))
                requests.append(None)
        return requests

    async def _apply(
        self,
        records: Sequence[QueueRecord],
        requests: Sequence[BookingRequest | None],
        start: int,
        end: int,
    ) -> BatchOutcome:
        """Apply the requests of ``records[start:end]`` in one transaction, with the position
        past ``records[:end]``. A batch the database refuses is halved until the one request
        it refuses is alone; that one is dead-lettered and its hold given back. Every
        constraint of a booking row holds for a rejected one too (the buyer, the event and
        the ticket type must exist), so a refused request can never be stored as rejected.
        """
        batch = [r for r in requests[start:end] if r is not None]
        position = QueuePosition(self._group, self._topic, next_offsets(records[:end]))
        try:
            with tracing.child_span(
                "batch transaction", attributes={"bolttickets.requests": len(batch)}
            ):
                return await self._retrying(
                    lambda: apply_batch(self._uow, batch, position, self._clock.now())
                )
        except RefusedByDatabase as exc:
            if end - start > 1:
                middle = (start + end) // 2
                first = await self._apply(records, requests, start, middle)
                rest = await self._apply(records, requests, middle, end)
                return BatchOutcome(
                    first.decided + rest.decided, first.settlements + rest.settlements
                )
            [refused] = batch
            await self._dead_letter(records[start], str(exc), booking_id=refused.booking_id)
            await self._retrying(lambda: apply_batch(self._uow, [], position, self._clock.now()))
            return BatchOutcome([], [Settlement(refused, confirmed=False)])

    async def _dead_letter(self, record: QueueRecord, reason: str, **context: object) -> None:
        log.warning(
            "dead_letter",
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            **context,
        )
        # Until the dead-letter queue has it, the batch cannot be committed past it.
        await self._retrying(functools.partial(self._consumer.dead_letter, record))
        metrics.DEAD_LETTERS.inc()

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Retry what may succeed later (the database restarting, the dead-letter topic
        unreachable), with backoff, saying why in ``problem()``. A refusal that cannot
        succeed is raised at once; so is any failure once the worker is stopping: the
        records in hand are then not committed, and are delivered again to the next owner.
        """
        delay = 0.1
        while True:
            try:
                return await attempt()
            except RefusedByDatabase:
                raise
            except Exception as exc:
                if self._stopping.is_set():
                    raise
                if isinstance(exc, DatabaseUnavailable):
                    self._failing = "the database is unavailable"
                    log.warning("database_unavailable_retrying", delay=delay)
                else:
                    self._failing = f"applying a batch failed: {exc!r}"
                    log.exception("batch_failed_retrying", delay=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def sweep(self) -> None:
        if self._behind:
            # A full batch means a backlog: the holds it would re-send are most likely in it,
            # and sending them again would only lengthen the queue that delays them.
            return
        if (problem := self.problem()) is not None:
            # A pipeline that is not consuming would get the same holds again each period
            # (a broker restart once saw 90 re-sent every 2 s for two minutes); they are
            # still held, and sent once it consumes again.
            log.info("sweep_skipped", reason=problem)
            return
        swept = await resend_stale_holds(
            self._uow, self._stock, self._queue, self._clock, self._sweep_after
        )
        if swept.foreign:
            metrics.FOREIGN_HOLDS_SKIPPED.inc()
        if swept.sent:
            log.info("holds_resent", count=swept.sent)
            metrics.HOLDS_RESENT.inc(swept.sent)

    async def expire(self) -> None:
        """Reservations past their deadline give their tickets back. A crash after the
        commit leaves the give-back to the buyers' counts pending in the database, and
        ``reconcile`` finishes it and sets the stock."""
        expired = await self._reservations.expire_due()
        metrics.RESERVATIONS_EXPIRED.inc(expired)

    async def observe(self) -> None:
        """The gauges of the consumer's lag and of the sales that have not closed."""
        self._lag_gauges.export(
            {(self._topic, str(p)): (behind,) for p, behind in self._consumer.lag().items()}
        )
        now = self._clock.now()
        levels = await self._sync.levels(now, _OBSERVED_TICKET_TYPES)
        self._sale_gauges.export(
            {
                (str(level.event_id), str(level.ticket_type_id)): (
                    level.capacity,
                    level.sold,
                    level.remaining,
                    level.drift,
                )
                for level in levels
            }
        )
        sent = [level.oldest_hold_sent_at for level in levels if level.oldest_hold_sent_at]
        metrics.OLDEST_HOLD_AGE.set(max(0.0, (now - min(sent)).total_seconds()) if sent else 0)

    async def reconcile(self) -> None:
        touched, self._touched = self._touched, set()
        self._touched |= await self._sync.reconcile_round(touched, self._clock)

    async def _every(self, seconds: float, action: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await action()
            except Exception:
                log.exception("periodic_task_failed", task=action.__name__)
