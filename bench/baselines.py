"""The ceilings the sale is compared with: raw Redis script calls and raw PostgreSQL COPY.

Each one measures the same work as the hot path with nothing of BoltTickets around it, on
scratch data it removes afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy.engine import make_url
from tests.postgres import pg_connect

from bench import report
from bench.cleanup import delete_matching
from bolttickets.adapters.redis_stock import (
    HOLD_INDEX_LIFETIME,
    KEY_LIFETIME,
    RedisStockStore,
    connect_redis,
)
from bolttickets.adapters.sqlalchemy.repositories import BOOKING_COLUMNS
from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.messages import encode_request
from bolttickets.services.ports import StockLoad

# Big enough that the scratch ticket type never sells out, so every call is a reservation.
SCRATCH_STOCK = 10**12
# The reservation script's keys, in its order.
KEY_PARTS = ("stock", "users", "fingerprints", "fingerprints_at", "holds", "sent")


def redis_benchmark_missing() -> str | None:
    if shutil.which("redis-benchmark"):
        return None
    return "redis-benchmark is missing: `apt-get install -y redis-tools` (or `make services-up`)"


async def redis_benchmark(redis_url: str, requests: int, *command: str) -> float:
    """Requests per second of ``command`` from redis-benchmark, 64 connections."""
    url = make_url(redis_url.replace("redis://", "redis+x://", 1))
    argv = [
        "redis-benchmark",
        "-h", url.host or "127.0.0.1",
        "-p", str(url.port or 6379),
        "--dbnum", str(url.database or 0),
        "-c", "64",
        "-n", str(requests),
        "-r", "1000000000",
        "-q",
        *command,
    ]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"redis-benchmark failed: {err.decode()}{out.decode()}")
    rates = re.findall(r"([0-9.]+) requests per second", out.decode())
    if not rates:
        raise RuntimeError(f"redis-benchmark said nothing measurable: {out.decode()}")
    return float(rates[-1])


async def redis_ping_rate(redis_url: str, requests: int) -> float:
    return await redis_benchmark(redis_url, requests, "ping")


async def calibration(redis_url: str | None, cpu_seconds: float, pings: int) -> dict[str, float]:
    """A fixed amount of work, timed, at a run's start and at its end: SHA-256 on this
    process's core and, given a Redis, ``pings`` PINGs from redis-benchmark. A throttled or
    busy machine shows here first: compare a run's figures only with its own."""
    found = {"cpu_sha256_mb_s": await asyncio.to_thread(report.cpu_calibration, cpu_seconds)}
    if redis_url is not None:
        found["redis_ping_per_s"] = await redis_ping_rate(redis_url, pings)
    return found


async def evalsha_reserve_rate(redis_url: str, requests: int) -> float:
    """The reservation script itself, through EVALSHA, as the API calls it on a single Redis
    for one request with an Idempotency-Key (reserve_many of one, its hold index included):
    every call a new booking id and buyer, so every call reserves."""
    client = await connect_redis(redis_url)
    namespace = f"bench-scratch-{uuid.uuid4().hex[:12]}"
    store = RedisStockStore(client, namespace=namespace)
    try:
        await store.start()
        sample = _sample_request()
        await store.load(
            StockLoad(
                ticket_type_id=sample.ticket_type_id,
                event_id=sample.event_id,
                remaining=SCRATCH_STOCK,
                per_user_limit=None,
                sale_opens_at=None,
                sale_closes_at=datetime.now(UTC) + timedelta(days=1),
                per_user={},
                keyed_bookings={},
            )
        )
        # The store's script and key layout as its module documents them; the stock left
        # afterwards proves that every call reserved through them.
        # One booking on a single Redis: its ticket type's keys and its hold index.
        keys = [f"{namespace}:{{{sample.ticket_type_id}}}:{part}" for part in KEY_PARTS]
        keys.append(f"{namespace}:hold:b-__rand_int__")
        # The script stores the hold without reading it: same length as a real one, no
        # quotes or spaces for redis-benchmark to mangle.
        hold = "h" * len(b"1:" + encode_request(sample))
        rate = await redis_benchmark(
            redis_url,
            requests,
            "evalsha", _reserve_sha(), str(len(keys)), *keys,
            "1", str(KEY_LIFETIME // timedelta(microseconds=1)),
            str(HOLD_INDEX_LIFETIME // timedelta(seconds=1)),
            "0", str(sample.ticket_type_id), "b-__rand_int__", "u-__rand_int__", "1",
            sample.fingerprint, hold,
        )  # fmt: skip
        left = (await store.inventory([sample.ticket_type_id]))[sample.ticket_type_id].remaining
        # __rand_int__ draws from 10^9 values, so a few of 100,000 calls repeat a booking id
        # (about n²/2·10^9: 5) and are duplicates; a script or key layout that no longer
        # matches reserves nothing at all.
        if SCRATCH_STOCK - left < requests * 0.99:
            raise RuntimeError(
                f"EVALSHA reserved {SCRATCH_STOCK - left} of {requests} tickets: the store's "
                "script or key layout is no longer the one this baseline uses"
            )
        return rate
    finally:
        await delete_matching(client, f"{namespace}:*")
        await client.aclose()


def _reserve_sha() -> str:
    """The SHA1 Redis knows the reservation script by: the store prepends its library."""
    scripts = resources.files("bolttickets.adapters") / "redis_scripts"
    text = (scripts / "lib.lua").read_text() + (scripts / "reserve_many.lua").read_text()
    return hashlib.sha1(text.encode()).hexdigest()


def _sample_request() -> BookingRequest:
    tt = uuid.uuid4()
    return BookingRequest(
        booking_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        ticket_type_id=tt,
        quantity=1,
        unit_price_cents=4500,
        currency="EUR",
        idempotency_key="bench-0000000000",
        fingerprint=fingerprint(tt, 1),
        created_at=datetime.now(UTC),
    )


async def copy_rate(database_url: str, batch_size: int, seconds: float) -> float:
    """Rows per second of asyncpg COPY into a temporary staging table shaped like
    ``bookings``, one transaction per batch: the worker's batch without its logic."""
    conn = await pg_connect(database_url)
    columns = list(BOOKING_COLUMNS)
    try:
        await conn.execute(
            "CREATE TEMP TABLE bench_stage (LIKE bookings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        batches = [[_booking_row() for _ in range(batch_size)] for _ in range(8)]
        rows = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "bench_stage", records=batches[rows // batch_size % 8], columns=columns
                )
            rows += batch_size
        return rows / (time.perf_counter() - start)
    finally:
        await conn.close()


def _booking_row() -> tuple[Any, ...]:
    r = _sample_request()
    return (
        r.booking_id, r.user_id, r.event_id, r.ticket_type_id, r.quantity,
        r.unit_price_cents, r.currency, "reserved", None, r.idempotency_key,
        r.fingerprint, r.created_at, r.created_at, r.created_at + timedelta(minutes=10),
    )  # fmt: skip
