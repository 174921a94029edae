"""The composition root: every process role built from Settings, in one place.

Nothing connects at import time. ``start`` builds a role and ``Container.stop`` tears down
what it built, last built first. The API app and the worker loop are built here and import
nothing of this module: no entry point imports another, and nothing imports the root but
the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import redis.asyncio as aioredis
import sqlalchemy as sa
import structlog
from fastapi import FastAPI

from bolttickets.adapters.kafka_queue import (
    KafkaBookingConsumer,
    KafkaBookingQueue,
    ensure_topics,
    kafka_reachable,
)
from bolttickets.adapters.kafka_security import KafkaSecurity
from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.memory_rate_limiter import MemoryRateLimiter
from bolttickets.adapters.memory_sessions import MemorySessionStore
from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.memory_waiting_list import MemoryWaitingListStore
from bolttickets.adapters.memory_waiting_room import MemoryWaitingRoomStore
from bolttickets.adapters.passwords import Argon2Hasher
from bolttickets.adapters.payments_builtin import BuiltinTestPayments
from bolttickets.adapters.payments_stripe import StripeProvider
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_pubsub import RedisPubSub
from bolttickets.adapters.redis_rate_limiter import RedisRateLimiter
from bolttickets.adapters.redis_sessions import RedisSessionStore
from bolttickets.adapters.redis_stock import RedisStockStore, connect_redis
from bolttickets.adapters.redis_substocks import RedisSubStockStore
from bolttickets.adapters.redis_waiting_list import RedisWaitingListStore
from bolttickets.adapters.redis_waiting_room import RedisWaitingRoomStore
from bolttickets.adapters.sqlalchemy import schema
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlite_log import SqliteLog, SqliteLogConsumer
from bolttickets.api import internal_port
from bolttickets.api.app import create_app
from bolttickets.config import Settings
from bolttickets.observability import metrics
from bolttickets.observability.logging import configure as configure_logging
from bolttickets.services.accounts import Accounts, KnownUsers
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.api_keys import ApiKeys
from bolttickets.services.audit import AuditLog
from bolttickets.services.booking_payments import BookingPayments
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog
from bolttickets.services.clock import SystemClock
from bolttickets.services.health import HealthCheck, probe
from bolttickets.services.messages import UndecodableMessage, decode_request
from bolttickets.services.payments import Payments
from bolttickets.services.ports import (
    BookingQueue,
    Clock,
    PubSub,
    QueueConsumer,
    RateLimiter,
    SessionStore,
    StockStore,
    WaitingListStore,
    WaitingRoomStore,
)
from bolttickets.services.privacy import Privacy
from bolttickets.services.room_ticker import RoomTicker
from bolttickets.services.sessions import Sessions
from bolttickets.services.stock_sync import StockSync
from bolttickets.services.tickets import Tickets
from bolttickets.services.waiting_list import WaitingLists
from bolttickets.services.waiting_room import WaitingRooms
from bolttickets.worker.runner import BookingWorker

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = structlog.get_logger("bolttickets")

DatabaseNotMigrated = schema.DatabaseNotMigrated
DatabaseUnreachable = schema.DatabaseUnreachable


class Role(enum.Enum):
    API = "api"
    """Admits and queues; on the embedded default, also runs the worker inside it."""
    WORKER = "worker"
    """The full stack's worker: consumes, sweeps and reconciles. Any number may run."""


@dataclasses.dataclass(frozen=True)
class Container:
    settings: Settings
    clock: Clock
    db: Database
    stock: StockStore
    queue: BookingQueue
    pubsub: PubSub
    accounts: Accounts
    sessions: Sessions
    api_keys: ApiKeys
    catalog: Catalog
    bookings: Bookings
    audit: AuditLog
    privacy: Privacy
    payments: Payments
    booking_payments: BookingPayments
    sync: StockSync
    health_checks: Mapping[str, HealthCheck]
    rate_limiter: RateLimiter
    waiting_rooms: WaitingRooms
    room_store: WaitingRoomStore
    waiting_lists: WaitingLists
    tickets: Tickets
    worker_task: asyncio.Task[None] | None
    """The booking worker's loop, when this role runs one."""
    resources: contextlib.AsyncExitStack
    """Everything ``start`` opened, in the order it opened it; only ``stop`` closes it."""

    async def stop(self) -> None:
        await self.resources.aclose()


async def start(settings: Settings, role: Role, clock: Clock | None = None) -> Container:
    """Build ``role``: connect its adapters, wire the services, start its worker loop."""
    if settings.embedded and role is Role.WORKER:
        raise ValueError("the embedded worker runs inside the API process")
    build = _start_embedded if settings.embedded else _start_full
    resources = contextlib.AsyncExitStack()
    try:
        container = await build(settings, role, clock or SystemClock(), resources)
        await _run_waiting_rooms(container)
        return container
    except BaseException:
        await resources.aclose()
        raise


@contextlib.asynccontextmanager
async def running(
    settings: Settings, role: Role, tracing: TracerProvider | None = None
) -> AsyncIterator[Container]:
    container = await start(settings, role)
    try:
        yield container
    finally:
        await container.stop()
        if tracing is not None:
            await _stop_tracing(tracing)


def api_app(settings: Settings) -> FastAPI:
    """The API process's app: it builds the API role when the server starts, and traces its
    requests when ``BOLT_OTLP_ENDPOINT`` is set."""
    tracing = _start_tracing(settings, Role.API)
    app = create_app(settings, partial(running, settings, Role.API, tracing))
    if tracing is not None:
        from bolttickets.observability import tracing_setup

        tracing_setup.instrument_app(app, tracing, settings.trace_sample_ratio)
    return app


def _start_tracing(settings: Settings, role: Role) -> TracerProvider | None:
    """The process's tracer provider, or None (and nothing of the SDK imported) when
    tracing is off."""
    if settings.otlp_endpoint is None:
        return None
    from bolttickets.observability import tracing_setup

    return tracing_setup.install(
        settings.otlp_endpoint, f"bolttickets-{role.value}", settings.trace_sample_ratio
    )


async def _stop_tracing(tracing: TracerProvider) -> None:
    """Export the spans still buffered, then stop; blocks on the collector, so off the loop."""
    await asyncio.to_thread(tracing.shutdown)


async def migrate(settings: Settings) -> None:
    await _on_database(settings, schema.upgrade)


async def ensure_migrated(settings: Settings) -> None:
    """Raise DatabaseNotMigrated unless the full stack's database is at the head revision
    (DatabaseUnreachable when it cannot tell);
    the command line calls it before either role starts (the embedded default migrates
    itself)."""
    await _on_database(settings, schema.ensure_migrated)


async def _on_database(settings: Settings, action: Callable[[Database], Awaitable[None]]) -> None:
    db = Database(settings.database_url)
    try:
        await action(db)
    finally:
        await db.dispose()


async def run_worker(settings: Settings, host: str, port: int) -> None:
    """The worker process: start, run until SIGTERM, finish the batch, leave the group;
    its health and metrics are served on ``host:port`` meanwhile."""
    configure_logging(settings.log_level, json=settings.json_logs)
    metrics.mark_build("worker")
    tracing = _start_tracing(settings, Role.WORKER)
    container = await start(settings, Role.WORKER)
    worker_task = container.worker_task
    assert worker_task is not None
    async with internal_port.serving(container, host, port):
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        log.info(
            "worker_started",
            group=settings.consumer_group,
            topic=settings.kafka_topic,
            health=f"http://{host}:{port}/health/ready",
        )
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait([stop, worker_task], return_when=asyncio.FIRST_COMPLETED)
        crashed = worker_task.done() and worker_task.exception() is not None
        log.info("worker_stopping", crashed=crashed)
        stop.cancel()
        await container.stop()
        if tracing is not None:
            await _stop_tracing(tracing)
    if crashed:
        # Let the supervisor restart us: the uncommitted batch is delivered again.
        raise SystemExit(1)
    log.info("worker_stopped")


async def unavailable_to_worker(settings: Settings) -> dict[str, str]:
    """What a full-stack process cannot reach, by check name: the readiness checks the
    roles are built with, run without starting a role (``bolttickets worker --check``)."""
    assert settings.redis_url is not None and settings.kafka_bootstrap is not None
    async with contextlib.AsyncExitStack() as resources:
        db = Database(settings.database_url)
        resources.push_async_callback(db.dispose)
        # Not connect_redis: it pings on connecting, and the ping is the check itself.
        redis_class = aioredis.RedisCluster if settings.redis_cluster else aioredis.Redis
        redis = redis_class.from_url(settings.redis_url)
        resources.push_async_callback(redis.aclose)
        checks = _full_stack_checks(db, redis, settings)
        report = await probe(checks, timeout=5.0)
    return {name: status for name, status in report.items() if status != "ok"}


async def _start_embedded(
    settings: Settings, role: Role, clock: Clock, resources: contextlib.AsyncExitStack
) -> Container:
    """One process: SQLite, the log-table queue, in-memory stock and pub/sub, and the worker.

    Stock, holds, idempotency keys and per-user counts are rebuilt from the database and
    the unapplied part of the log before anyone is admitted.
    """
    db = Database(settings.database_url)
    resources.push_async_callback(db.dispose)
    await schema.upgrade(db)
    log_queue = SqliteLog(db)
    await log_queue.start()
    resources.push_async_callback(log_queue.stop)
    consumer = SqliteLogConsumer(log_queue, db, settings.consumer_group, settings.kafka_topic)
    adapters = _Adapters(
        clock,
        db,
        MemoryStockStore(clock),
        log_queue,
        MemoryPubSub(),
        MemorySessionStore(clock),
        MemoryRateLimiter(),
        MemoryWaitingRoomStore(clock),
        MemoryWaitingListStore(clock),
    )
    checks = {"database": _database_check(db), "queue": _log_check(log_queue)}
    container = _wire(settings, adapters, checks, resources)

    unapplied = []
    for record in await consumer.unapplied():
        with contextlib.suppress(UndecodableMessage):  # the worker dead-letters these
            unapplied.append(decode_request(record.value))
    await container.sync.rebuild_all(unapplied)
    log.info("stock_rebuilt", unapplied=len(unapplied))
    return _with_worker(container, consumer)


async def _start_full(
    settings: Settings, role: Role, clock: Clock, resources: contextlib.AsyncExitStack
) -> Container:
    """PostgreSQL, Redis and Kafka; any number of processes of each role may run."""
    assert settings.redis_url is not None and settings.kafka_bootstrap is not None
    bootstrap, topic = settings.kafka_bootstrap, settings.kafka_topic
    security = kafka_security(settings)
    db = Database(settings.database_url)
    resources.push_async_callback(db.dispose)
    redis = await connect_redis(settings.redis_url, cluster=settings.redis_cluster)
    resources.push_async_callback(redis.aclose)
    stock = redis_stock_store(redis, settings)
    await stock.start()
    rate_limiter = RedisRateLimiter(redis, settings.redis_prefix)
    await rate_limiter.start()
    room_store = RedisWaitingRoomStore(redis, settings.redis_prefix)
    await room_store.start()
    list_store = RedisWaitingListStore(redis, settings.redis_prefix)
    await list_store.start()
    await asyncio.to_thread(
        ensure_topics,
        bootstrap,
        topic,
        settings.kafka_partitions,
        replication_factor=settings.topic_replication_factor,
        min_insync_replicas=settings.topic_min_insync_replicas,
        security=security,
    )
    queue = KafkaBookingQueue(
        bootstrap,
        topic,
        security=security,
        delivery_timeout_ms=settings.kafka_delivery_timeout_ms,
    )
    await queue.start()
    resources.push_async_callback(queue.stop)
    adapters = _Adapters(
        clock,
        db,
        stock,
        queue,
        RedisPubSub(await _pubsub_client(settings, redis, resources), settings.redis_prefix),
        RedisSessionStore(redis, settings.redis_prefix),
        rate_limiter,
        room_store,
        list_store,
    )
    container = _wire(settings, adapters, _full_stack_checks(db, redis, settings), resources)
    if role is not Role.WORKER:
        return container

    async def stored_offsets() -> dict[int, int]:
        async with db.unit_of_work() as uow:
            return await uow.offsets.load(settings.consumer_group, topic)

    consumer = KafkaBookingConsumer(
        bootstrap,
        topic,
        stored_offsets=stored_offsets,
        security=security,
        group=settings.consumer_group,
        delivery_timeout_ms=settings.kafka_delivery_timeout_ms,
        stall_after=settings.kafka_stall_after_seconds,
    )
    # Closed before the producer: leaving the group promptly hands the partitions over.
    resources.push_async_callback(consumer.close)
    return _with_worker(container, consumer)


def redis_stock_store(
    redis: RedisClient, settings: Settings
) -> RedisStockStore | RedisSubStockStore:
    """One stock per ticket type, or BOLT_REDIS_SUB_STOCKS of them on a cluster's slots."""
    if settings.redis_sub_stocks > 1:
        return RedisSubStockStore(
            redis, settings.redis_prefix, sub_stocks=settings.redis_sub_stocks
        )
    return RedisStockStore(redis, settings.redis_prefix, single_node=not settings.redis_cluster)


def _wire(
    settings: Settings,
    adapters: _Adapters,
    health_checks: Mapping[str, HealthCheck],
    resources: contextlib.AsyncExitStack,
) -> Container:
    clock, db, stock, queue, pubsub, session_store, rate_limiter, room_store, list_store = adapters
    sync = StockSync(db.unit_of_work, stock, on_corrected=metrics.RECONCILE_MOVED.inc)
    catalog = Catalog(db.unit_of_work, stock, sync, clock)
    hasher = Argon2Hasher(cheapest=settings.password_hashing == "argon2id-cheapest")
    audit = AuditLog(db.unit_of_work, clock)
    users = KnownUsers(db.unit_of_work)
    passes = AdmissionPasses(settings.admission_pass_key)
    rooms = WaitingRooms(db.unit_of_work, room_store, pubsub, passes, clock)
    lists = WaitingLists(
        db.unit_of_work,
        list_store,
        catalog,
        pubsub,
        passes,
        clock,
        offer_ttl_seconds=settings.waiting_list_offer_ttl_seconds,
    )
    payments = _payments(settings, clock, resources)
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        stock=stock,
        queue=queue,
        pubsub=pubsub,
        accounts=Accounts(db.unit_of_work, hasher, clock, audit, users),
        sessions=Sessions(
            session_store,
            pubsub,
            db.unit_of_work,
            refresh_ttl=timedelta(seconds=settings.refresh_ttl_seconds),
            access_ttl=timedelta(seconds=settings.jwt_ttl_seconds),
        ),
        api_keys=ApiKeys(
            db.unit_of_work,
            clock,
            settings.api_key_hash_secret,
            cache_seconds=settings.api_key_cache_seconds,
        ),
        catalog=catalog,
        bookings=Bookings(
            db.unit_of_work,
            db.reads,
            stock,
            queue,
            pubsub,
            catalog,
            sync,
            clock,
            users,
            rooms,
            lists,
        ),
        audit=audit,
        privacy=Privacy(db.unit_of_work, audit, users, clock),
        payments=payments,
        booking_payments=BookingPayments(
            db.unit_of_work,
            payments,
            stock,
            pubsub,
            sync,
            audit,
            clock,
            on_late_payment=metrics.LATE_PAYMENTS_REFUNDED.inc,
        ),
        sync=sync,
        health_checks=health_checks,
        rate_limiter=rate_limiter,
        waiting_rooms=rooms,
        room_store=room_store,
        waiting_lists=lists,
        tickets=Tickets(db.unit_of_work, clock, pubsub),
        worker_task=None,
        resources=resources,
    )


def _payments(settings: Settings, clock: Clock, resources: contextlib.AsyncExitStack) -> Payments:
    """The payment providers the settings enable: the built-in one outside production,
    Stripe with its key."""
    test = None
    if settings.test_payments:
        test = BuiltinTestPayments(settings.test_payments_secret, clock)
    stripe = None
    if settings.stripe_api_key is not None and settings.stripe_webhook_secret is not None:
        stripe = StripeProvider(
            settings.stripe_api_key.get_secret_value(),
            settings.stripe_webhook_secret.get_secret_value(),
            api_base=settings.stripe_api_base,
            publishable_key=settings.stripe_publishable_key,
        )
        resources.push_async_callback(stripe.close)
    return Payments(test=test, stripe=stripe)


def _with_worker(container: Container, consumer: QueueConsumer) -> Container:
    settings = container.settings
    worker = BookingWorker(
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
        reservations=container.booking_payments,
        expire_every=settings.expire_every_seconds,
    )
    task = asyncio.create_task(worker.run(), name="worker")
    # Stopped first: the batch in hand finishes while its connections are still open.
    container.resources.push_async_callback(_stop_worker, worker, task)
    checks = {**container.health_checks, "worker": _worker_check(worker, task)}
    return dataclasses.replace(container, worker_task=task, health_checks=checks)


class _Adapters(NamedTuple):
    clock: Clock
    db: Database
    stock: StockStore
    queue: BookingQueue
    pubsub: PubSub
    sessions: SessionStore
    rate_limiter: RateLimiter
    rooms: WaitingRoomStore
    lists: WaitingListStore


async def _run_waiting_rooms(container: Container) -> None:
    """Every process knows the rooms and runs the ticker; the store's lease lets one tick."""
    rooms = container.waiting_rooms
    await rooms.start()
    container.resources.push_async_callback(rooms.stop)
    await container.waiting_lists.start()
    container.resources.push_async_callback(container.waiting_lists.stop)
    ticker = RoomTicker(
        rooms,
        container.room_store,
        container.catalog,
        container.pubsub,
        container.clock,
        every=container.settings.waiting_room_tick_ms / 1000,
        lists=container.waiting_lists,
    )
    task = asyncio.create_task(ticker.run(), name="waiting-room-ticker")
    container.resources.push_async_callback(_cancel, task)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await task


async def _stop_worker(worker: BookingWorker, task: asyncio.Task[None]) -> None:
    worker.stop()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await task


def kafka_security(settings: Settings) -> KafkaSecurity:
    """The one security configuration every Kafka client of the process is built with."""
    password = settings.kafka_sasl_password
    ca = settings.kafka_ssl_ca_location
    return KafkaSecurity(
        protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=None if password is None else password.get_secret_value(),
        ssl_ca_location=None if ca is None else str(ca),
    )


async def _pubsub_client(
    settings: Settings, redis: RedisClient, resources: contextlib.AsyncExitStack
) -> aioredis.Redis:
    """On a cluster, pub/sub goes through a plain client of the node BOLT_REDIS_URL names: a
    cluster delivers every PUBLISH to every node, and redis-py's ClusterPubSub ignores
    cancellation while it waits for a message, so a subscription never closed."""
    if isinstance(redis, aioredis.Redis):
        return redis
    assert settings.redis_url is not None
    node = await connect_redis(settings.redis_url)
    resources.push_async_callback(node.aclose)
    assert isinstance(node, aioredis.Redis)
    return node


def _full_stack_checks(
    db: Database, redis: RedisClient, settings: Settings
) -> dict[str, HealthCheck]:
    assert settings.kafka_bootstrap is not None

    async def redis_ping() -> None:
        await redis.ping()

    kafka = partial(
        kafka_reachable, settings.kafka_bootstrap, security=kafka_security(settings), timeout=2.0
    )
    return {"database": _database_check(db), "redis": redis_ping, "kafka": kafka}


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
