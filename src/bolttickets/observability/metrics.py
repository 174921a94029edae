"""Prometheus metrics: exactly the names and labels of docs/observability.md, in the
default registry (with its process and garbage-collector collectors).

Every label is bounded: route templates, methods, status codes, outcomes and reasons from
closed sets, partitions and the ticket types of open sales. The hot paths use children
bound here once, never ``labels()`` per request.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from bolttickets import __version__
from bolttickets.domain.model import Booking, BookingStatus, RejectReason

P = ParamSpec("P")
R = TypeVar("R")

# Admission and produce calls take tens of microseconds to a few milliseconds; a request
# up to the 5 s a Kafka delivery may wait.
_FAST_SECONDS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5)
_REQUEST_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

BUILD_INFO = Gauge(
    "bolttickets_build_info", "Always 1: the version and role of this process", ["version", "role"]
)
# Read by the process from its own cgroup, so the memory alert compares each process with
# the limit it really runs under (a Helm value, a compose mem_limit) without a copy of it.
MEMORY_LIMIT = Gauge(
    "bolttickets_memory_limit_bytes",
    "The memory limit of this process' container (its cgroup); +Inf when it has none",
)
# cgroup v2, then v1, which writes a page-rounded LONG_MAX for "no limit".
CGROUP_MEMORY_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)
_NO_V1_LIMIT = 1 << 62

# --- The API -------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "bolttickets_http_requests_total",
    "HTTP requests answered, by route template, method and status code",
    ["route", "method", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "bolttickets_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
    buckets=_REQUEST_SECONDS,
)
HTTP_IN_FLIGHT = Gauge("bolttickets_http_requests_in_flight", "HTTP requests being answered")

ADMISSION_OUTCOMES = (
    "accepted",
    "sold_out",
    "per_user_limit",
    "sale_not_open",
    "key_reused",
    "no_admission_pass",
    "no_offer",
    "rate_limited",
    "invalid",
    "unavailable",
)
_ADMISSIONS = Counter(
    "bolttickets_booking_admissions_total",
    "Booking requests answered by the API, by outcome",
    ["outcome"],
)
ADMISSIONS = {outcome: _ADMISSIONS.labels(outcome) for outcome in ADMISSION_OUTCOMES}
"""outcome -> its bound counter (all present from the start, at 0)."""

RESERVATION_SECONDS = Histogram(
    "bolttickets_reservation_duration_seconds",
    "Time of the stock store's reserve call (one atomic admission)",
    buckets=_FAST_SECONDS,
)
PRODUCE_SECONDS = Histogram(
    "bolttickets_produce_duration_seconds",
    "Time to send one admitted request to the queue, until it is acknowledged",
    buckets=_FAST_SECONDS,
)

WEBSOCKET_CONNECTIONS = Gauge("bolttickets_websocket_connections", "Open realtime connections")
WEBSOCKET_SUBSCRIPTIONS = Gauge(
    "bolttickets_websocket_subscriptions", "Event subscriptions of the open realtime connections"
)
_REALTIME_SENT = Counter(
    "bolttickets_realtime_messages_sent_total",
    "Realtime messages written to sockets: straight to the socket (a frame encoded once for "
    "every subscriber) or through the connection's queue",
    ["path"],
)
REALTIME_SENT = {path: _REALTIME_SENT.labels(path) for path in ("direct", "queued")}
DROP_REASONS = ("slow_reader", "closed")
_REALTIME_DROPPED = Counter(
    "bolttickets_realtime_messages_dropped_total",
    "Realtime messages not written to a socket, by reason",
    ["reason"],
)
REALTIME_DROPPED = {reason: _REALTIME_DROPPED.labels(reason) for reason in DROP_REASONS}
FANOUT_DELAY_SECONDS = Histogram(
    "bolttickets_realtime_fanout_delay_seconds",
    "Time from a realtime message's publish to its write to a socket",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

# --- The worker ----------------------------------------------------------------------------

RECORDS_CONSUMED = Counter(
    "bolttickets_worker_records_consumed_total", "Queue records the worker consumed"
)
BATCH_RECORDS = Histogram(
    "bolttickets_worker_batch_records",
    "Records per worker batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
)
BATCH_SECONDS = Histogram(
    "bolttickets_worker_batch_duration_seconds",
    "Time to apply one batch: decode, database transaction, settle, commit, publish",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RESERVATIONS_EXPIRED = Counter(
    "bolttickets_reservations_expired_total",
    "Reserved bookings not paid by their deadline, whose tickets went back to the sale",
)
LATE_PAYMENTS_REFUNDED = Counter(
    "bolttickets_late_payments_refunded_total",
    "Payments that arrived for a booking no longer reserved (expired, cancelled), refunded",
)
_BOOKINGS_DECIDED = Counter(
    "bolttickets_bookings_decided_total",
    "Bookings the worker decided (reserved, paid when free, or rejected), by status and "
    "reject reason",
    ["status", "reason"],
)
_DECIDED: dict[tuple[str, str | None], Counter] = {
    (BookingStatus.RESERVED.value, None): _BOOKINGS_DECIDED.labels("reserved", "none"),
    (BookingStatus.PAID.value, None): _BOOKINGS_DECIDED.labels("paid", "none"),
    **{
        (BookingStatus.REJECTED.value, reason.value): _BOOKINGS_DECIDED.labels(
            "rejected", reason.value
        )
        for reason in RejectReason
    },
}
CONSUMER_LAG = Gauge(
    "bolttickets_worker_consumer_lag",
    "Records behind the high watermark, per partition this worker owns",
    ["topic", "partition"],
)
OLDEST_HOLD_AGE = Gauge(
    "bolttickets_worker_oldest_hold_age_seconds",
    "Age of the oldest admitted but unconfirmed hold of the open sales, since it was last "
    "sent to the queue",
)
HOLDS_RESENT = Counter("bolttickets_holds_resent_total", "Holds the sweeper sent again")
FOREIGN_HOLDS_SKIPPED = Counter(
    "bolttickets_foreign_holds_skipped_total",
    "Sweeps that found holds of ticket types this database does not know (never sent)",
)
RECONCILE_MOVED = Counter(
    "bolttickets_reconcile_tickets_moved_total",
    "Tickets by which reconcile corrected the stock store's remaining stock (absolute)",
)
DEAD_LETTERS = Counter(
    "bolttickets_dead_letters_total",
    "Records dead-lettered: undecodable, or refused by the database",
)
LAST_PROGRESS = Gauge(
    "bolttickets_worker_last_progress_timestamp_seconds",
    "Unix time the worker last made progress: a poll that applied records or found none waiting",
)

# --- The sales, from the worker ------------------------------------------------------------

_TICKET_LABELS = ["event_id", "ticket_type_id"]
TICKETS_CAPACITY = Gauge(
    "bolttickets_tickets_capacity", "Capacity, per open ticket type", _TICKET_LABELS
)
TICKETS_SOLD = Gauge(
    "bolttickets_tickets_sold",
    "Tickets confirmed in the database, per open ticket type",
    _TICKET_LABELS,
)
TICKETS_REMAINING = Gauge(
    "bolttickets_tickets_remaining",
    "Remaining stock the stock store admits against, per open ticket type",
    _TICKET_LABELS,
)
STOCK_DRIFT = Gauge(
    "bolttickets_stock_drift_tickets",
    "Stock store remaining minus (capacity - sold - unconfirmed holds); 0 when converged",
    _TICKET_LABELS,
)
TICKET_GAUGES = (TICKETS_CAPACITY, TICKETS_SOLD, TICKETS_REMAINING, STOCK_DRIFT)


def mark_build(role: str) -> None:
    BUILD_INFO.labels(__version__, role).set(1)
    MEMORY_LIMIT.set(memory_limit())


def memory_limit(files: Sequence[Path] = CGROUP_MEMORY_LIMITS) -> float:
    """The container's memory limit in bytes, from the first cgroup file there is."""
    for path in files:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text == "max" or not text.isdigit() or int(text) >= _NO_V1_LIMIT:
            return math.inf
        return float(text)
    return math.inf


def observe_batch(decided: Sequence[Booking], records: int, seconds: float) -> None:
    RECORDS_CONSUMED.inc(records)
    BATCH_RECORDS.observe(records)
    BATCH_SECONDS.observe(seconds)
    for booking in decided:
        counter = _DECIDED.get((booking.status.value, booking.reason))
        if counter is None:  # a reason added to the domain and not here: still counted
            counter = _BOOKINGS_DECIDED.labels(booking.status.value, booking.reason or "none")
        counter.inc()


class LabelledGauges:
    """Gauges over a changing set of label values (partitions owned, sales not closed): a
    set of values no longer exported, or exported as None, is removed, so no stale series
    stays behind."""

    def __init__(self, *gauges: Gauge) -> None:
        self._gauges = gauges
        self._exported: set[tuple[str, ...]] = set()

    def export(self, rows: Mapping[tuple[str, ...], Sequence[float | None]]) -> None:
        """label values -> one value per gauge, in the order given at construction."""
        for labels, values in rows.items():
            for gauge, value in zip(self._gauges, values, strict=True):
                if value is None:
                    with contextlib.suppress(KeyError):
                        gauge.remove(*labels)
                else:
                    gauge.labels(*labels).set(value)
        for labels in self._exported - rows.keys():
            for gauge in self._gauges:
                with contextlib.suppress(KeyError):
                    gauge.remove(*labels)
        self._exported = set(rows)


_Call = Callable[P, Coroutine[Any, Any, R]]


def timed(histogram: Histogram) -> Callable[[_Call[P, R]], _Call[P, R]]:
    """Observe every call of the decorated coroutine function, failed ones included."""

    def decorate(call: _Call[P, R]) -> _Call[P, R]:
        @functools.wraps(call)
        async def timed_call(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)

        return timed_call

    return decorate
