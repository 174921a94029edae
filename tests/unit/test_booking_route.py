"""The booking route reads its own inputs and is served by a plain Starlette route first:
FastAPI has nothing to resolve per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Route

from bolttickets.api.app import create_app
from bolttickets.api.routers import bookings
from bolttickets.config import Settings


def _booking_route() -> APIRoute:
    return next(
        route
        for route in bookings.router.routes
        if isinstance(route, APIRoute) and route.operation_id == "createBooking"
    )


def test_the_booking_route_declares_no_dependency_body_or_header() -> None:
    """Declared inputs would be resolved and validated by FastAPI's generic machinery,
    which dominated a profile of this route; its documentation comes from openapi_extra."""
    dependant = _booking_route().dependant

    assert dependant.dependencies == []
    assert dependant.body_params == []
    assert dependant.header_params == []
    assert dependant.request_param_name == "request"


def test_the_booking_route_documents_what_it_reads() -> None:
    extra = _booking_route().openapi_extra or {}

    assert [p["name"] for p in extra["parameters"]] == ["Idempotency-Key", "Admission-Pass"]
    body = extra["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"ticket_type_id", "quantity"}
    # Either an access token or an API key (as a bearer token, or in X-API-Key).
    assert extra["security"] == [{"HTTPBearer": []}, {"APIKeyHeader": []}]


def test_a_plain_starlette_route_serves_bookings_before_any_other() -> None:
    @asynccontextmanager
    async def unused(_: Any) -> AsyncIterator[None]:
        yield

    app = create_app(Settings(jwt_secret="unit-test-secret-0123456789abcdefghijkl"), unused)  # type: ignore[arg-type]
    first = app.router.routes[0]

    # Starlette's, never FastAPI's APIRoute with its dependency machinery.
    assert isinstance(first, Route) and not isinstance(first, APIRoute)
    assert (first.path, first.methods, first.endpoint) == (
        "/api/bookings",
        {"POST"},
        bookings.create_booking,
    )
