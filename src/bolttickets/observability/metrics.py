"""Prometheus metrics of the booking flow."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import Counter, Histogram

from bolttickets.domain.model import Booking

BOOKING_REQUESTS = Counter(
    "bolttickets_booking_requests_total", "Booking requests answered by the API", ["outcome"]
)
BOOKINGS_DECIDED = Counter(
    "bolttickets_bookings_decided_total", "Bookings the worker confirmed or rejected", ["status"]
)
BATCH_RECORDS = Histogram(
    "bolttickets_worker_batch_records",
    "Records per worker batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
)
BATCH_SECONDS = Histogram("bolttickets_worker_batch_seconds", "Time to apply one batch")
DEAD_LETTERS = Counter(
    "bolttickets_dead_letters_total",
    "Records dead-lettered: undecodable, or refused by the database",
)
HOLDS_RESENT = Counter("bolttickets_holds_resent_total", "Holds the sweeper sent again")
FOREIGN_HOLDS_SKIPPED = Counter(
    "bolttickets_foreign_holds_skipped_total",
    "Sweeps that found holds of ticket types this database does not know (never sent)",
)


def observe_batch(decided: Sequence[Booking], records: int, seconds: float) -> None:
    BATCH_RECORDS.observe(records)
    BATCH_SECONDS.observe(seconds)
    for booking in decided:
        BOOKINGS_DECIDED.labels(booking.status.value).inc()
