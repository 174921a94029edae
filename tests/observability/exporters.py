"""The standard exporters of the stores, started against the test services so the
postgres-redis dashboard has something to read (built by scripts/tools)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support import free_port, start_server, stop_process, tool


@dataclass(frozen=True)
class Exporter:
    tool: str  # its file in scripts/tools.d
    binary: str
    port: int

    @property
    def metrics_address(self) -> str:
        return f"127.0.0.1:{self.port}"


def postgres_dsn(sqlalchemy_url: str) -> str:
    """The libpq URL of a SQLAlchemy one (``postgresql+asyncpg://`` → ``postgresql://``)."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(parts._replace(scheme="postgresql", query="sslmode=disable"))


def executable(exporter: Exporter) -> str:
    return tool(exporter.binary, f"run `scripts/tools install {exporter.tool}`")


@contextlib.asynccontextmanager
async def running(
    exporter: Exporter, args: list[str], env: dict[str, str], log: Path
) -> AsyncIterator[Exporter]:
    """The exporter on 127.0.0.1:``exporter.port`` until the block ends."""
    address = f"127.0.0.1:{exporter.port}"
    process = await start_server(
        [executable(exporter), f"--web.listen-address={address}", *args],
        log=log,
        ready=f"http://{address}/metrics",
        env=env,
    )
    try:
        yield exporter
    finally:
        stop_process(process)


def postgres_exporter() -> Exporter:
    return Exporter("postgres-exporter", "postgres_exporter", free_port())


def redis_exporter() -> Exporter:
    return Exporter("redis-exporter", "redis_exporter", free_port())
