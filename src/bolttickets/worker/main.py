"""The worker process: start, run until SIGTERM, finish the batch, leave the group."""

from __future__ import annotations

import asyncio
import signal

import sqlalchemy as sa
import structlog

from bolttickets.adapters.kafka_queue import kafka_reachable
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.bootstrap import start_full
from bolttickets.config import Settings
from bolttickets.observability.logging import configure as configure_logging

log = structlog.get_logger("bolttickets.worker")


async def run_worker(settings: Settings) -> None:
    configure_logging(settings.log_level, json=settings.log_json)
    container = await start_full(settings, worker=True)
    assert container.worker is not None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    log.info("worker_started", group=settings.consumer_group, topic=settings.kafka_topic)
    assert container.worker_task is not None
    stop = asyncio.create_task(stopping.wait())
    await asyncio.wait([stop, container.worker_task], return_when=asyncio.FIRST_COMPLETED)
    crashed = container.worker_task.done() and container.worker_task.exception() is not None
    log.info("worker_stopping", crashed=crashed)
    stop.cancel()
    await container.stop()
    if crashed:
        # Let the supervisor restart us: the uncommitted batch is delivered again.
        raise SystemExit(1)
    log.info("worker_stopped")


async def check_dependencies(settings: Settings) -> list[str]:
    """What the worker cannot reach: empty when PostgreSQL and Kafka both answer."""
    assert settings.kafka_bootstrap is not None
    problems = []
    db = Database(settings.database_url)
    try:
        async with asyncio.timeout(5):
            async with db.reader.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        problems.append(f"PostgreSQL: {exc}")
    finally:
        await db.dispose()
    try:
        await kafka_reachable(settings.kafka_bootstrap, timeout=5.0)
    except Exception as exc:
        problems.append(f"Kafka: {exc}")
    return problems
