"""No refused booking keeps anything of its request alive once it is answered.

A refusal raised as a shared exception instance gathers, in its ``__traceback__``, the
frames of every request it is raised in (each raise adds to it), and those frames hold
the requests. Starlette happens to clear the traceback of an exception it handled; this
test does not rely on it: after many refusals of every kind through the ASGI app and a
collection, no request, no error it was answered for and no frame of our code remains.
"""

from __future__ import annotations

import gc
import types
import weakref
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
from starlette.requests import Request

from bolttickets.adapters.memory_rate_limiter import MemoryRateLimiter
from bolttickets.api.app import create_app
from bolttickets.api.rate_limits import RateLimits
from bolttickets.api.security import Tokens, Unauthorized
from bolttickets.config import Settings
from bolttickets.domain.errors import DomainError
from bolttickets.domain.model import Role
from tests.unit.conftest import World

SECRET = "unit-test-secret-0123456789abcdefghijkl"
ROUNDS = 50


@dataclass
class _Container:
    world: World

    @property
    def bookings(self) -> Any:
        return self.world.bookings


async def never_revoked(_: str) -> bool:
    return False


def _app(world: World) -> Any:
    @asynccontextmanager
    async def unused() -> Any:
        raise AssertionError("the lifespan is not run here")
        yield

    # One buyer sends every kind of refusal, far more than a rate limit lets through.
    settings = Settings(jwt_secret=SECRET, rate_limits_enabled=False)
    app = create_app(settings, unused)  # type: ignore[arg-type]
    app.state.container = _Container(world)
    app.state.tokens = Tokens(SECRET, 600, never_revoked)
    app.state.rate_limits = RateLimits(MemoryRateLimiter(), settings)
    return app


def _watched(app: Any, seen: list[weakref.ref[object]]) -> None:
    """Every error handler notes the request and the error it answers."""

    def watching(handler: Any) -> Any:
        async def handle(request: Request, exc: Exception) -> Any:
            seen.extend((weakref.ref(request), weakref.ref(exc)))
            return await handler(request, exc)

        return handle

    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = watching(handler)


def _leftovers() -> Counter[str]:
    """What of a request's handling is still alive: its frames, requests and errors."""
    gc.collect()
    found: Counter[str] = Counter()
    for obj in gc.get_objects():
        if isinstance(obj, types.FrameType) and "bolttickets" in obj.f_code.co_filename:
            found[f"frame {obj.f_code.co_name}"] += 1
        elif isinstance(obj, Request):
            found["request"] += 1
        elif isinstance(obj, DomainError | Unauthorized):
            found[type(obj).__name__] += 1
    return found


async def test_no_refused_request_outlives_its_answer(world: World) -> None:
    app = _app(world)
    answered: list[weakref.ref[object]] = []
    _watched(app, answered)
    tokens: Tokens = app.state.tokens
    sold_out = await world.ticket_type(1)
    limited = await world.ticket_type(100, per_user_limit=1)
    not_open = await world.ticket_type(100, opens_in=3600)
    plenty = await world.ticket_type(100)
    buyer = {"Authorization": f"Bearer {tokens.issue(world.buyer().user_id, Role.CUSTOMER, 's1')}"}
    stranger = f"Bearer {tokens.issue(uuid4(), Role.CUSTOMER, 's2')}"  # signed; no such account
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:

        async def book(tt: object, quantity: object = 1, **headers: str) -> int:
            response = await http.post(
                "/api/bookings",
                json={"ticket_type_id": str(tt), "quantity": quantity},
                headers={**buyer, **headers},
            )
            return response.status_code

        assert await book(sold_out) == 202
        assert await book(limited, **{"Idempotency-Key": "mine"}) == 202
        before = _leftovers()
        seen: Counter[int] = Counter()
        for _ in range(ROUNDS):
            seen[await book(sold_out)] += 1  # sold out
            seen[await book(limited)] += 1  # over the per-user limit
            seen[await book(not_open)] += 1  # the sale is not open
            seen[await book(limited, 2, **{"Idempotency-Key": "mine"})] += 1  # key reused
            seen[await book(uuid4())] += 1  # no such ticket type
            seen[await book(limited, 0)] += 1  # a bad quantity
            seen[await book(limited, 1, Authorization="Bearer nope")] += 1  # a bad token
            seen[await book(plenty, 1, Authorization=stranger)] += 1  # an unknown account
            world.queue.failing = True
            seen[await book(await world.ticket_type(1))] += 1  # the queue is down
            world.queue.failing = False
        assert seen == {409: 3 * ROUNDS, 422: 2 * ROUNDS, 404: ROUNDS, 401: 2 * ROUNDS, 503: ROUNDS}
        assert _leftovers() == before, "a finished request's objects are still alive"
        assert await world.remaining(plenty) == 100  # each unknown account's hold given back
        assert len(answered) == 2 * sum(seen.values())  # each answer noted
        alive = [ref() for ref in answered if ref() is not None]
        assert not alive, f"{len(alive)} requests or errors outlived their answer: {alive[:4]}"
