"""deploy/docker/install-app.sh, the app image's install step, run as the image's build
runs it (same lock, same commands) into a fresh virtual environment; then that
environment's own entry points: the API on the embedded default, and a worker on the real
PostgreSQL, Redis and Kafka.

No Docker engine is needed: what the image adds to the script (a base image, a user, the
health check) is checked in test_dockerfiles.py."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, create_postgres_database
from tests.support import Server

INSTALL = REPO / "deploy" / "docker" / "install-app.sh"
LOCK = REPO / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)", re.MULTILINE)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("image") / "opt-bolttickets"
    done = subprocess.run(
        [str(INSTALL), str(REPO), str(venv)],
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "HOME": str(Path.home())},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def installed(venv: Path) -> dict[str, str]:
    """Name -> version of every distribution in the environment."""
    listing = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; "
            "print('\\n'.join(f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(line.split("==") for line in listing.stdout.split())


def test_only_the_locked_runtime_is_installed(venv: Path) -> None:
    pins = {canonical(name): version for name, version in PIN.findall(LOCK.read_text())}
    packages = {canonical(name): version for name, version in installed(venv).items()}
    packages.pop("bolttickets")
    assert {n: v for n, v in packages.items() if pins.get(n) != v} == {}, "not the lock's"
    # The dev and bench extras, the build backend and pip stay out of the image.
    assert not {"pytest", "mypy", "ruff", "matplotlib", "hatchling", "pip"} & set(packages)


@pytest.fixture
async def installed_api(venv: Path, tmp_path: Path) -> AsyncIterator[Server]:
    # Started outside the checkout: the installed package, with its own web page.
    server = Server(tmp_path, executable=str(venv / "bin" / "bolttickets"), cwd=tmp_path)
    await server.start()
    yield server
    server.stop()


async def test_the_api_serves_the_embedded_default(installed_api: Server) -> None:
    async with httpx.AsyncClient(base_url=installed_api.url) as client:
        live = await client.get("/health/live")
        page = await client.get("/")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    assert page.status_code == 200 and "<title>BoltTickets</title>" in page.text
    assert "web_page_missing" not in installed_api.log_path.read_text()


async def test_the_worker_runs_on_the_real_services(
    venv: Path,
    tmp_path: Path,
    postgres_admin_url: str,
    redis_url: str,
    kafka_bootstrap: str,
) -> None:
    bolttickets = str(venv / "bin" / "bolttickets")
    suffix = uuid.uuid4().hex[:8]
    worker = Server(
        tmp_path,
        {
            "BOLT_DATABASE_URL": await create_postgres_database(postgres_admin_url),
            "BOLT_REDIS_URL": redis_url,
            "BOLT_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "BOLT_KAFKA_TOPIC": f"ticket-bookings-{suffix}",
            "BOLT_CONSUMER_GROUP": f"booking-workers-{suffix}",
            "BOLT_REDIS_PREFIX": f"bolt-test-{suffix}",
        },
        role="worker",
        name="worker",
        executable=bolttickets,
        cwd=tmp_path,
    )
    migrate = subprocess.run(  # noqa: ASYNC221 - the one step before the worker starts
        [bolttickets, "migrate"],
        env=worker.environment(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    await worker.start()
    try:
        async with httpx.AsyncClient(base_url=worker.url) as client:
            live = await client.get("/health/live")
            metrics = await client.get("/metrics")
    finally:
        worker.stop()
    assert live.status_code == 200, live.text
    assert metrics.status_code == 200 and "# TYPE" in metrics.text
