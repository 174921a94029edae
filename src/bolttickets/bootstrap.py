"""The composition root: adapters chosen from Settings, wired into the services.

Nothing connects at import time; ``start`` opens connections and ``stop`` closes them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
import structlog

from bolttickets.adapters.kafka_queue import (
    KafkaBookingConsumer,
    KafkaBookingQueue,
    ensure_topics,
    kafka_reachable,
)
from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.passwords import Argon2Hasher
from bolttickets.adapters.redis_pubsub import RedisPubSub
from bolttickets.adapters.redis_stock import RedisStockStore, connect_redis
from bolttickets.adapters.sqlalchemy import schema
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlite_log import SqliteLog, SqliteLogConsumer
from bolttickets.config import Settings
from bolttickets.services.accounts import Accounts
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog
from bolttickets.services.clock import SystemClock
from bolttickets.services.messages import UndecodableMessage, decode_request
from bolttickets.services.ports import BookingQueue, Clock, PubSub, QueueConsumer, StockStore
from bolttickets.services.stock_sync import StockSync
from bolttickets.worker.runner import BookingWorker

log = structlog.get_logger("bolttickets")

HealthCheck = Callable[[], Awaitable[None]]


@dataclass
class Container:
    settings: Settings
    clock: Clock
    db: Database
    stock: StockStore
    queue: BookingQueue
    pubsub: PubSub
    accounts: Accounts
    catalog: Catalog
    bookings: Bookings
    sync: StockSync
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)
    worker: BookingWorker | None = None
    _closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    worker_task: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self.worker is not None and self.worker_task is not None:
            self.worker.stop()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self.worker_task
        for close in reversed(self._closers):
            await close()


async def start_embedded(settings: Settings, clock: Clock | None = None) -> Container:
    """One process: SQLite, the log-table queue, in-memory stock and pub/sub, and the worker.

    Stock, holds, idempotency keys and per-user counts are rebuilt from the database and
    the unapplied part of the log before anyone is admitted.
    """
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    await schema.upgrade(db)
    log_queue = SqliteLog(db)
    await log_queue.start()
    consumer = SqliteLogConsumer(log_queue, db, settings.consumer_group, settings.kafka_topic)
    stock = MemoryStockStore(clock)
    pubsub = MemoryPubSub()
    container = _wire(settings, clock, db, stock, log_queue, pubsub)
    container._closers += [db.dispose, log_queue.stop]

    unapplied = []
    for record in await consumer.unapplied():
        with contextlib.suppress(UndecodableMessage):  # the worker dead-letters these
            unapplied.append(decode_request(record.value))
    await container.sync.rebuild_all(unapplied)
    log.info("stock_rebuilt", unapplied=len(unapplied))

    container.worker = _worker(settings, container, consumer)
    container.worker_task = asyncio.create_task(container.worker.run(), name="worker")
    container.health_checks = {
        "database": _database_check(db),
        "queue": _log_check(log_queue),
        "worker": _worker_check(container.worker, container.worker_task),
    }
    return container


async def start_full(settings: Settings, *, worker: bool, clock: Clock | None = None) -> Container:
    """PostgreSQL, Redis and Kafka. The API process admits and queues; a worker process
    (``worker=True``) consumes, sweeps and reconciles. Any number of each may run."""
    assert settings.redis_url is not None and settings.kafka_bootstrap is not None
    clock = clock or SystemClock()
    bootstrap, topic = settings.kafka_bootstrap, settings.kafka_topic
    db = Database(settings.database_url)
    closers: list[Callable[[], Awaitable[None]]] = [db.dispose]
    try:
        await schema.ensure_migrated(db)
        redis = await connect_redis(settings.redis_url)
        closers.append(redis.aclose)
        stock = RedisStockStore(redis, settings.redis_prefix)
        await stock.start()
        await asyncio.to_thread(
            ensure_topics,
            bootstrap,
            topic,
            settings.kafka_partitions,
            replication_factor=settings.topic_replication_factor,
            min_insync_replicas=settings.topic_min_insync_replicas,
        )
        queue = KafkaBookingQueue(
            bootstrap, topic, delivery_timeout_ms=settings.kafka_delivery_timeout_ms
        )
        await queue.start()
        closers.append(queue.stop)
    except BaseException:
        for close in reversed(closers):
            await close()
        raise
    container = _wire(settings, clock, db, stock, queue, RedisPubSub(redis, settings.redis_prefix))
    container._closers += closers

    async def kafka() -> None:
        await kafka_reachable(bootstrap, timeout=2.0)

    async def redis_ping() -> None:
        await redis.ping()

    container.health_checks = {"database": _database_check(db), "redis": redis_ping, "kafka": kafka}
    if worker:

        async def stored_offsets() -> dict[int, int]:
            async with db.unit_of_work() as uow:
                return await uow.offsets.load(settings.consumer_group, topic)

        consumer = KafkaBookingConsumer(
            bootstrap,
            topic,
            stored_offsets=stored_offsets,
            group=settings.consumer_group,
            delivery_timeout_ms=settings.kafka_delivery_timeout_ms,
            stall_after=settings.kafka_stall_after_seconds,
        )
        # Closed before the producer: leaving the group promptly hands the partitions over.
        container._closers.append(consumer.close)
        container.worker = _worker(settings, container, consumer)
        container.worker_task = asyncio.create_task(container.worker.run(), name="worker")
    return container


def _wire(
    settings: Settings,
    clock: Clock,
    db: Database,
    stock: StockStore,
    queue: BookingQueue,
    pubsub: PubSub,
) -> Container:
    sync = StockSync(db.unit_of_work, stock)
    catalog = Catalog(db.unit_of_work, stock, sync, clock)
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        stock=stock,
        queue=queue,
        pubsub=pubsub,
        accounts=Accounts(
            db.unit_of_work,
            Argon2Hasher(cheapest=settings.password_hashing == "argon2id-cheapest"),
            clock,
        ),
        catalog=catalog,
        bookings=Bookings(db.unit_of_work, stock, queue, pubsub, catalog, sync, clock),
        sync=sync,
    )


def _worker(settings: Settings, container: Container, consumer: QueueConsumer) -> BookingWorker:
    return BookingWorker(
        consumer=consumer,
        group=settings.consumer_group,
        topic=settings.kafka_topic,
        uow=container.db.unit_of_work,
        stock=container.stock,
        queue=container.queue,
        pubsub=container.pubsub,
        sync=container.sync,
        clock=container.clock,
        batch_size=settings.worker_batch_size,
        linger=settings.worker_linger_ms / 1000,
        sweep_after=timedelta(seconds=settings.sweep_after_seconds),
        reconcile_every=settings.reconcile_every_seconds,
    )


def _database_check(db: Database) -> HealthCheck:
    async def check() -> None:
        async with db.reader.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    return check


def _worker_check(worker: BookingWorker, task: asyncio.Task[None]) -> HealthCheck:
    async def check() -> None:
        if task.done():
            raise RuntimeError("the worker has stopped")
        if (problem := worker.problem()) is not None:
            raise RuntimeError(problem)

    return check


def _log_check(log_queue: SqliteLog) -> HealthCheck:
    async def check() -> None:
        if not log_queue.running:
            raise RuntimeError("the booking log writer is not running")

    return check
