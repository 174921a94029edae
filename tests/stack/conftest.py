"""The full stack for real: API and worker processes on PostgreSQL, Redis and Kafka.

Each test module gets its own database, Kafka topic and consumer group, so modules never
see each other's bookings; a module sets APIS, WORKERS and STACK_ENV to shape its stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as aioredis

from tests.conftest import create_postgres_database, migrated
from tests.postgres import pg_connect
from tests.support import Api, Server, booking_status_counts  # noqa: F401 - re-exported


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    database_url: str
    redis_url: str
    kafka_bootstrap: str
    topic: str
    redis_prefix: str
    tls_ca: Path | None = None
    """Set when the APIs serve HTTPS (BOLT_TLS_CERT_FILE): the CA of their certificate."""
    apis: list[Server] = field(default_factory=list)
    workers: list[Server] = field(default_factory=list)

    def api_server(self, index: int) -> Server:
        server = Server(self.workdir, dict(self.env), name=f"api-{index}", tls_ca=self.tls_ca)
        self.apis.append(server)
        return server

    def worker(self, index: int) -> Server:
        server = Server(self.workdir, dict(self.env), role="worker", name=f"worker-{index}")
        self.workers.append(server)
        return server

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await pg_connect(self.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def counts(self, ticket_type_id: str) -> dict[str, int]:
        rows = await self.sql(
            "SELECT status, COUNT(*) AS n FROM bookings WHERE ticket_type_id = $1 GROUP BY status",
            uuid.UUID(ticket_type_id),
        )
        return {r["status"]: r["n"] for r in rows}

    async def sold(self, ticket_type_id: str) -> int:
        [row] = await self.sql(
            "SELECT sold FROM ticket_types WHERE id = $1", uuid.UUID(ticket_type_id)
        )
        return int(row["sold"])

    def redis(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.redis_url)

    def stop(self) -> None:
        for process in [*self.apis, *self.workers]:
            process.stop()


@contextlib.asynccontextmanager
async def running_stack(
    workdir: Path,
    postgres_admin_url: str,
    redis_url: str,
    kafka_bootstrap: str,
    *,
    apis: int = 2,
    workers: int = 2,
    env: dict[str, str] | None = None,
    tls_ca: Path | None = None,
) -> AsyncIterator[Stack]:
    """API and worker processes on a database, Kafka topic, consumer group and Redis
    namespace of their own, stopped on the way out."""
    database_url = await create_postgres_database(postgres_admin_url)
    await (await migrated(database_url)).dispose()
    suffix = uuid.uuid4().hex[:8]
    topic = f"ticket-bookings-{suffix}"
    stack_env = {
        "BOLT_DATABASE_URL": database_url,
        "BOLT_REDIS_URL": redis_url,
        "BOLT_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "BOLT_KAFKA_TOPIC": topic,
        "BOLT_CONSUMER_GROUP": f"booking-workers-{suffix}",
        # A namespace of its own, as the database and topic: what an earlier run left in
        # this Redis (holds of another database's ticket types) never reaches this stack.
        "BOLT_REDIS_PREFIX": f"bolt-test-{suffix}",
        "BOLT_SWEEP_AFTER_SECONDS": "2",
        "BOLT_RECONCILE_EVERY_SECONDS": "1",
        **(env or {}),
    }
    stack = Stack(
        workdir,
        stack_env,
        database_url,
        redis_url,
        kafka_bootstrap,
        topic,
        stack_env["BOLT_REDIS_PREFIX"],
        tls_ca,
    )
    try:
        # The first API creates the topics; the rest, workers too, start side by side.
        servers = [stack.api_server(i) for i in range(apis)]
        await servers[0].start()
        others = [*servers[1:], *(stack.worker(i) for i in range(workers))]
        await asyncio.gather(*(server.start() for server in others))
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def stack_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """What a module adds to its stack's environment: its STACK_ENV. A module whose
    additions come from another fixture (a collector's port) overrides this fixture."""
    return dict(getattr(request.module, "STACK_ENV", {}))


@pytest.fixture(scope="module")
async def stack(
    request: pytest.FixtureRequest,
    stack_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str,
    redis_url: str,
    kafka_bootstrap: str,
) -> AsyncIterator[Stack]:
    async with running_stack(
        tmp_path_factory.mktemp("stack"),
        postgres_admin_url,
        redis_url,
        kafka_bootstrap,
        apis=getattr(request.module, "APIS", 2),
        workers=getattr(request.module, "WORKERS", 2),
        env=stack_env,
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
async def api(stack: Stack) -> AsyncIterator[Api]:
    """A client of the first API process."""
    client = Api(stack.apis[0])
    yield client
    await client.close()
