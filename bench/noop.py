"""The no-op POSTs every rate of the sale is measured against, each served as the API is
(``bolttickets.cli.SERVER_OPTIONS`` and the settings' limits) on the API's core:

- the **ceiling**: a stand-alone bare Starlette app (no FastAPI, no middleware) that reads
  the body and answers pre-encoded bytes: the most this server and core can answer;
- the **in-app** no-op: the same handler at the head of the real application's router
  (``bootstrap.api_app`` with the run's settings), so a request crosses the application's
  middleware and routing as a booking does, and does nothing else.

The in-app one starts the whole application (its services, the realtime hub), so it runs
only while its phase does: it must not take the API's core from the bookings.

Run as ``python -m bench.noop ceiling|in-app PORT``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.processes import Process, clean_environment, free_port, wait_until_ready
from bolttickets.cli import SERVER_OPTIONS, server_limits
from bolttickets.config import Settings

NOOP = "/api/bench/noop"
_READY = "/api/bench/ready"
_BOOKING_ID = "00000000-0000-0000-0000-000000000000"
_ACCEPTED = orjson.dumps({"booking_id": _BOOKING_ID, "status": "pending"})
_LOCATION = {"Location": f"/api/bookings/{_BOOKING_ID}"}


class Noop(StrEnum):
    CEILING = "ceiling"
    IN_APP = "in-app"


class Server(NamedTuple):
    port: int
    process: Process


async def _noop(request: Request) -> Response:
    """A booking's answer without the booking: the body is read, as the server must."""
    await request.body()
    return Response(_ACCEPTED, 202, _LOCATION, "application/json")


async def _ready(request: Request) -> Response:
    return Response(status_code=200)


_ROUTES = [Route(NOOP, _noop, methods=["POST"]), Route(_READY, _ready, methods=["GET"])]


def _app(kind: Noop, settings: Settings) -> Starlette:
    if kind is Noop.CEILING:
        return Starlette(routes=_ROUTES)
    from bolttickets import bootstrap

    app = bootstrap.api_app(settings)
    # Where the booking route is (``api.app.create_app``): first in the router.
    app.router.routes[0:0] = _ROUTES
    return app


@contextlib.asynccontextmanager
async def served(
    kind: Noop, cores: frozenset[int] | None, workdir: Path, env: dict[str, str]
) -> AsyncIterator[Server]:
    """A no-op server in a process of its own on ``cores``, with the API's ``env`` (the
    in-app one needs the run's services)."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.noop", kind.value, str(port)]
    server = Process(f"noop-{kind.value}", argv, clean_environment(**env), workdir, cores)
    server.start()
    try:
        await wait_until_ready(server, f"http://127.0.0.1:{port}{_READY}")
        yield Server(port, server)
    finally:
        server.stop()


if __name__ == "__main__":
    settings = Settings()
    uvicorn.run(
        _app(Noop(sys.argv[1]), settings),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        **SERVER_OPTIONS,
        **server_limits(settings),
    )
