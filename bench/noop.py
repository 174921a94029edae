"""The server stack's own ceiling: no-op endpoints in an app of the bench's own, served
as the API is (``bolttickets.cli.SERVER_OPTIONS`` and the default limits), on the API's core.

Run as ``python -m bench.noop PORT``. The benchmark reports the booking endpoint as a
ratio of these, measured in the same run.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import uvicorn
from fastapi import FastAPI, status
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.processes import Process, clean_environment, free_port, wait_until_ready
from bolttickets.api.schemas import BookingAccepted, BookingIn
from bolttickets.cli import SERVER_OPTIONS, server_limits
from bolttickets.config import Settings

NOOP = "/noop"
"""FastAPI with a pydantic body: dependency injection, validation, serialisation."""
NOOP_BARE = "/noop-bare"
"""Bare Starlette: parse and validate the same body, answer pre-encoded bytes."""
READY = "/ready"

_ACCEPTED = orjson.dumps(
    {"booking_id": "00000000-0000-0000-0000-000000000000", "status": "pending"}
)

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.post(NOOP, status_code=status.HTTP_202_ACCEPTED)
async def noop(body: BookingIn) -> BookingAccepted:
    return BookingAccepted.model_validate_json(_ACCEPTED)


async def _bare_noop(request: Request) -> Response:
    try:
        BookingIn.model_validate_json(await request.body())
    except ValidationError:
        return Response(status_code=422)
    return Response(_ACCEPTED, status_code=202, media_type="application/json")


async def _ready(request: Request) -> Response:
    return Response(status_code=200)


app.router.routes += [
    Route(NOOP_BARE, _bare_noop, methods=["POST"]),
    Route(READY, _ready, methods=["GET"]),
]


@contextlib.asynccontextmanager
async def served(cores: frozenset[int] | None, workdir: Path) -> AsyncIterator[int]:
    """This app in a process of its own on ``cores``; yields its port."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.noop", str(port)]
    server = Process("noop", argv, clean_environment(), workdir, cores)
    server.start()
    try:
        await wait_until_ready(server, f"http://127.0.0.1:{port}{READY}")
        yield port
    finally:
        server.stop()


if __name__ == "__main__":
    limits = server_limits(Settings(env="dev"))
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **SERVER_OPTIONS, **limits)
