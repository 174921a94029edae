"""Shared fixtures: where the real services are, and fresh databases on them.

``make test`` starts PostgreSQL, Redis, Kafka and Prometheus with ``scripts/services up``
and exports their addresses; a test that needs one and does not find it fails, it never skips.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple

import pytest
import redis.asyncio as aioredis

from bolttickets.adapters.kafka_security import KafkaSecurity
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import connect_redis
from bolttickets.adapters.sqlalchemy import schema
from bolttickets.adapters.sqlalchemy.database import Database
from tests import postgres
from tests.stripe_mock import StripeMock
from tests.support import tool

REPO = Path(__file__).resolve().parents[1]

# How long the tasks the tests left running get to finish once cancelled.
LEFTOVER_GRACE = 60.0


@pytest.fixture(scope="session", autouse=True)
async def leftover_tasks_end() -> AsyncIterator[None]:
    """Every test shares one event loop; a task left running that does not end when
    cancelled would hang pytest at exit with every test passed (a fresh-clone run did
    once). Set up first, so torn down last: such a task's stack is written where CI
    shows it, and the session fails."""
    yield
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in leftovers:
        task.cancel()
    if not leftovers:
        return
    _, stuck = await asyncio.wait(leftovers, timeout=LEFTOVER_GRACE)
    if stuck:
        report = io.StringIO()
        for task in stuck:
            print(f"--- {task!r}", file=report)
            task.print_stack(file=report)
        # Past pytest's capture: if the loop then hangs on these, the log still says why.
        print(
            f"\n{len(stuck)} task(s) ignored cancellation:\n{report.getvalue()}",
            file=sys.__stderr__,
            flush=True,
        )
        pytest.fail(f"{len(stuck)} task(s) ignored cancellation:\n{report.getvalue()}")


def service_url(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run the tests with `make test`, which starts the services "
            "(scripts/services up) and exports their addresses."
        )
    return value


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return service_url("BOLT_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return service_url("BOLT_TEST_REDIS_URL")


@pytest.fixture(scope="session")
def redis_cluster_url() -> str:
    return service_url("BOLT_TEST_REDIS_CLUSTER_URL")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return service_url("BOLT_TEST_KAFKA_BOOTSTRAP")


class SecuredKafka(NamedTuple):
    bootstrap: str
    security: KafkaSecurity


@pytest.fixture(scope="session")
def kafka_sasl_ssl() -> SecuredKafka:
    """The test broker's SASL_SSL listener (SCRAM-SHA-512, a certificate of a test CA)."""
    return SecuredKafka(
        service_url("BOLT_TEST_KAFKA_SASL_SSL_BOOTSTRAP"),
        KafkaSecurity(
            protocol="SASL_SSL",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username=service_url("BOLT_TEST_KAFKA_SASL_USERNAME"),
            sasl_password=service_url("BOLT_TEST_KAFKA_SASL_PASSWORD"),
            ssl_ca_location=service_url("BOLT_TEST_KAFKA_CA"),
        ),
    )


@pytest.fixture(scope="session")
def kafka_ssl() -> SecuredKafka:
    """The test broker's SSL listener: TLS alone, the SASL_SSL listener's certificate."""
    return SecuredKafka(
        service_url("BOLT_TEST_KAFKA_SSL_BOOTSTRAP"),
        KafkaSecurity(protocol="SSL", ssl_ca_location=service_url("BOLT_TEST_KAFKA_CA")),
    )


@pytest.fixture(scope="session")
def prometheus_url() -> str:
    return service_url("BOLT_PROMETHEUS_URL")


@pytest.fixture(scope="session")
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = await connect_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
async def redis_cluster_client(redis_cluster_url: str) -> AsyncIterator[RedisClient]:
    """The Redis Cluster of three primaries, where keys of different hash tags live on
    different nodes: a contract parametrised with "redis_cluster" runs on it."""
    client = await connect_redis(redis_cluster_url, cluster=True)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
async def stripe_mock(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[StripeMock]:
    """stripe-mock, from `scripts/tools install` (on PATH under `make test`)."""
    mock = StripeMock(tool("stripe-mock"), tmp_path_factory.mktemp("stripe-mock"))
    try:
        await mock.start()
        yield mock
    finally:
        mock.stop()


async def create_postgres_database(admin_url: str) -> str:
    """A new, empty database on the test server; returns its SQLAlchemy URL."""
    return await postgres.create_postgres_database(admin_url, "bolt_test")


async def migrated(url: str) -> Database:
    db = Database(url)
    await schema.upgrade(db)
    return db


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await migrated(f"sqlite+aiosqlite:///{tmp_path / 'bolt.db'}")
    yield db
    await db.dispose()


@pytest.fixture
async def postgres_database(postgres_admin_url: str) -> AsyncIterator[Database]:
    db = await migrated(await create_postgres_database(postgres_admin_url))
    yield db
    await db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Database:
    """The same test against the embedded database and the real one."""
    fixture = "sqlite_database" if request.param == "sqlite" else "postgres_database"
    db: Database = request.getfixturevalue(fixture)
    return db


_SERVICE_FIXTURES = frozenset(
    {
        "postgres_admin_url",
        "redis_url",
        "redis_cluster_url",
        "kafka_bootstrap",
        "kafka_sasl_ssl",
        "kafka_ssl",
        "prometheus_url",
    }
)
_SERVICE_PARAMS = frozenset({"postgres", "redis", "redis_cluster", "kafka"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the real services carries the ``stack`` marker, and only those:
    found from the fixtures it uses and the adapters it is parametrized with, so a new test
    cannot be left out (``pytest -m "not stack"`` runs the rest without any service)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {}).values()
        adapters = {p for p in params if isinstance(p, str)}
        if _SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())) or _SERVICE_PARAMS & adapters:
            item.add_marker(pytest.mark.stack)
