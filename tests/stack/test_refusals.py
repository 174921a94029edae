"""What the processes refuse, and how readiness reports a missing service."""

from __future__ import annotations

import asyncio
import subprocess

from tests.conftest import REPO, create_postgres_database
from tests.stack.conftest import Stack
from tests.support import BOLTTICKETS, Api, eventually

APIS = 1
WORKERS = 0


def services(*args: str) -> None:
    subprocess.run([str(REPO / "scripts" / "services"), *args], check=True, timeout=180)


def run(stack: Stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BOLTTICKETS, *args],
        env=stack.apis[0].environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_an_unmigrated_database_is_refused(stack: Stack, postgres_admin_url: str) -> None:
    empty = await create_postgres_database(postgres_admin_url)
    for command in (["serve", "--port", "1"], ["worker"]):
        result = await asyncio.to_thread(run, stack, *command, BOLT_DATABASE_URL=empty)
        assert result.returncode == 2, result.stderr
        assert "bolttickets migrate" in result.stderr and "Traceback" not in result.stderr
    migrate = await asyncio.to_thread(run, stack, "migrate", BOLT_DATABASE_URL=empty)
    assert migrate.returncode == 0, migrate.stderr
    check = await asyncio.to_thread(run, stack, "worker", "--check", BOLT_DATABASE_URL=empty)
    assert check.returncode == 0, check.stderr


async def test_readiness_is_503_while_redis_is_down(stack: Stack, api: Api) -> None:
    async def ready() -> int:
        return (await api.http.get("/health/ready")).status_code

    assert await ready() == 200
    await asyncio.to_thread(services, "stop", "redis")
    try:
        response = await api.http.get("/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["redis"].startswith("unavailable")
        assert (await api.http.get("/health/live")).status_code == 200
    finally:
        await asyncio.to_thread(services, "start", "redis")
    await eventually(ready, lambda status: status == 200, timeout=60)


async def test_worker_check_fails_while_kafka_is_down(stack: Stack, api: Api) -> None:
    await asyncio.to_thread(services, "stop", "kafka")
    try:
        down = await asyncio.to_thread(run, stack, "worker", "--check")
        assert down.returncode == 1 and "Kafka" in down.stderr
        response = await api.http.get("/health/ready")
        assert response.status_code == 503 and response.json()["checks"]["kafka"] != "ok"
    finally:
        await asyncio.to_thread(services, "start", "kafka")
    up = await asyncio.to_thread(run, stack, "worker", "--check")
    assert up.returncode == 0, up.stderr
