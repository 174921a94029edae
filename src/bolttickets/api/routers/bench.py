"""No-op endpoints that measure the server stack's own ceiling, beside the booking route.

Mounted only with BOLT_BENCH_ENDPOINTS (refused in production): the benchmark reports the
booking endpoint as a ratio of these, measured in the same run on the same process.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, status
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bolttickets.api.schemas import BookingAccepted, BookingIn

router = APIRouter(prefix="/api/bench", tags=["bench"], include_in_schema=False)

_ACCEPTED = orjson.dumps(
    {"booking_id": "00000000-0000-0000-0000-000000000000", "status": "pending"}
)


@router.post("/noop", status_code=status.HTTP_202_ACCEPTED)
async def noop(body: BookingIn) -> BookingAccepted:
    """FastAPI with a pydantic body: dependency injection, validation, serialisation."""
    return BookingAccepted.model_validate_json(_ACCEPTED)


async def _bare_noop(request: Request) -> Response:
    """Bare Starlette: parse and validate the same body, answer pre-encoded bytes."""
    try:
        BookingIn.model_validate_json(await request.body())
    except ValidationError:
        return Response(status_code=422)
    return Response(_ACCEPTED, status_code=202, media_type="application/json")


bare_route = Route("/api/bench/noop-bare", _bare_noop, methods=["POST"])
