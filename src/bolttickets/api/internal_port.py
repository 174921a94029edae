"""The internal port of a process, for whatever supervises and scrapes it: liveness,
readiness naming what fails, and /metrics. The worker serves nothing else; the API serves
it beside its public port (BOLT_METRICS_PORT), which shows none of it (docs/security.md)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

from bolttickets.api.deps import Services
from bolttickets.api.routers import health


def internal_app(services: Services) -> FastAPI:
    app = FastAPI(title="BoltTickets internal", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(health.internal_router)
    app.state.container = services
    return app


@contextlib.asynccontextmanager
async def serving(services: Services, host: str, port: int) -> AsyncIterator[None]:
    """The internal port answers while the block runs."""
    server = _Server(
        uvicorn.Config(internal_app(services), log_config=None, access_log=False, lifespan="off")
    )
    # Bound now, so a port in use stops the start with its error, and the port answers as
    # soon as the process says it started.
    listening = socket.create_server((host, port))
    task = asyncio.create_task(server.serve(sockets=[listening]), name="internal-port")
    try:
        yield
    finally:
        server.should_exit = True
        await task


class _Server(uvicorn.Server):
    """Leaves SIGTERM and SIGINT to the process, which stops this server when it is done:
    the worker finishes its batch first, the API its public server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
