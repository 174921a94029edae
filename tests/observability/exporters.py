"""The standard exporters of the stores, started against the test services so the
postgres-redis dashboard has something to read (built by scripts/tools)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests.support import eventually, free_port, tool


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
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            executable(exporter),
            f"--web.listen-address={address}",
            *args,
            env=env,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=5) as client:

            async def answers() -> bool:
                if process.returncode is not None:
                    tail = log.read_text()[-2000:]  # noqa: ASYNC240 - only once it has failed
                    raise AssertionError(f"{exporter.binary} exited: {tail}")
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get("/metrics")).status_code == 200
                return False

            await eventually(answers, bool, timeout=60)
        yield exporter
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


def postgres_exporter() -> Exporter:
    return Exporter("postgres-exporter", "postgres_exporter", free_port())


def redis_exporter() -> Exporter:
    return Exporter("redis-exporter", "redis_exporter", free_port())
