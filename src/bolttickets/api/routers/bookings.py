from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError

from bolttickets.api import problems, rate_limits
from bolttickets.api.auditing import Audit
from bolttickets.api.deps import BookingsDep, container
from bolttickets.api.instrumentation import NamedRoute
from bolttickets.api.schemas import BookingAccepted, BookingIn, BookingOut, BookingPage, Problem
from bolttickets.api.security import Requires, Unauthorized, authenticate
from bolttickets.domain.errors import (
    DomainError,
    IdempotencyKeyReused,
    PerUserLimitReached,
    SaleNotOpen,
    SoldOut,
    Unavailable,
    WaitingListRequired,
    WaitingRoomRequired,
)
from bolttickets.domain.model import Scope
from bolttickets.observability import metrics
from bolttickets.observability.throttled import ThrottledLog
from bolttickets.services.access import permit
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditAction, named
from bolttickets.services.bookings import Placed

router = APIRouter(prefix="/api/bookings", tags=["bookings"])

_KEY_RULES = StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
_key_adapter: TypeAdapter[str] = TypeAdapter(Annotated[str, _KEY_RULES])

_KEY_DESCRIPTION = (
    "One key per purchase intent, scoped to the user (not to a ticket type): a retry with "
    "the same key and body returns the same booking; the same key with another body "
    f"(another ticket type or quantity) is a 422 {IdempotencyKeyReused.slug}, however long "
    "after."
)


def _either(*kinds: type[DomainError] | str) -> str:
    """The problem types an answer can carry, as its description lists them."""
    slugs = [kind if isinstance(kind, str) else kind.slug for kind in kinds]
    return f"{', '.join(slugs[:-1])} or {slugs[-1]}"


_NEEDS = Scope.BOOKINGS_WRITE  # looked up once: an enum member costs a descriptor call
_ACCEPTED = metrics.ADMISSIONS["accepted"]
_REFUSED: dict[type[Exception], str] = {
    SoldOut: "sold_out",
    PerUserLimitReached: "per_user_limit",
    SaleNotOpen: "sale_not_open",
    IdempotencyKeyReused: "key_reused",
    WaitingRoomRequired: "no_admission_pass",
    WaitingListRequired: "no_offer",
    rate_limits.RateLimited: "rate_limited",
}


# The one route a flash sale hammers reads its inputs itself (the token, the body with
# ``model_validate_json``, the key header) instead of declaring them: resolving FastAPI
# dependencies and re-validating the response model dominated a profile of it. Its inputs
# are documented in ``openapi_extra`` below, and invalid ones raise the errors FastAPI would
# raise, so clients get the same answers.
async def create_booking(request: Request) -> Response:
    """Admit a booking; it is pending until the worker confirms or rejects it."""
    try:
        placed = await _place(request)
    except Exception as exc:
        _refused(request, exc)
        raise
    _ACCEPTED.inc()
    accepted = BookingAccepted(booking_id=placed.booking_id, status=placed.status.value)
    return Response(
        accepted.__pydantic_serializer__.to_json(accepted),
        status.HTTP_202_ACCEPTED,
        {"Location": f"/api/bookings/{placed.booking_id}"},
        "application/json",
    )


async def _place(request: Request) -> Placed:
    actor = await authenticate(request)
    if actor.scopes is not None:  # only an API key has scopes to check: none for a person
        permit(actor, _NEEDS)
    # Before the body is read: a refusal must cost less than a booking, and never reach
    # the stock.
    await request.app.state.rate_limits.booking(request, actor)
    raw = await request.body()
    try:
        body = BookingIn.model_validate_json(raw)
    except ValidationError as exc:
        raise _invalid(("body",), exc, raw) from None
    key = request.headers.get("idempotency-key")
    if key is not None:
        try:
            key = _key_adapter.validate_python(key)
        except ValidationError as exc:
            raise _invalid(("header", "Idempotency-Key"), exc, raw) from None
    admission_pass = request.headers.get("admission-pass")
    return await container(request).bookings.place(
        actor, body.ticket_type_id, body.quantity, key, admission_pass
    )


def _refused(request: Request, exc: Exception) -> None:
    """Count a refused booking by its outcome, and log it: one line per outcome and second
    at most, however many a sell-out refuses. An unexpected error (a 500) is no refusal:
    the HTTP metrics and the error log have it."""
    outcome = _REFUSED.get(type(exc))
    if outcome is None:
        if isinstance(exc, Unavailable):
            outcome = "unavailable"
        elif isinstance(exc, DomainError | RequestValidationError | Unauthorized):
            outcome = "invalid"
        else:
            return
    metrics.ADMISSIONS[outcome].inc()
    refusals: ThrottledLog = request.app.state.refusal_log
    level = "warning" if outcome == "unavailable" else "info"
    reason = getattr(exc, "slug", type(exc).__name__)
    refusals.log(level, outcome, "booking_refused", outcome=outcome, reason=reason)


def _invalid(where: tuple[str, ...], exc: ValidationError, raw: bytes) -> RequestValidationError:
    """The error FastAPI would raise for the same input, so the answer is the same too."""
    return RequestValidationError(
        [{**e, "loc": (*where, *e["loc"])} for e in exc.errors()], body=raw
    )


# FastAPI's request handling (dependency resolution, an exit stack per request) and the
# walk through the included routers cost this route as much again as its own work, so it
# is served by a plain Starlette route at the head of the application's router
# (``app.create_app``); this declaration documents the same handler.
served_route = NamedRoute("/api/bookings", create_booking, methods=["POST"])

router.add_api_route(
    "",
    create_booking,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BookingAccepted,
    operation_id="createBooking",
    openapi_extra={
        "security": [{"HTTPBearer": []}, {"APIKeyHeader": []}],
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": _KEY_DESCRIPTION,
                "schema": _key_adapter.json_schema(),
            },
            {
                "name": "Admission-Pass",
                "in": "header",
                "required": False,
                "description": "For an event with a waiting room: the pass its join or me "
                "operation hands out once the buyer is admitted. For a ticket type others "
                "wait for: the pass of the buyer's waiting-list offer (it admits to the "
                "event's room too).",
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": BookingIn.model_json_schema()}},
        },
    },
    responses={
        202: {
            "headers": {"Location": {"description": "The booking", "schema": {"type": "string"}}}
        },
        401: {"model": Problem},
        403: {
            "model": Problem,
            "description": "insufficient-scope: an API key without bookings:write; or "
            f"{WaitingRoomRequired.slug}: the event has a waiting room and the request has no "
            "valid Admission-Pass (the body's join and the Link header name where to join); "
            f"or {WaitingListRequired.slug}: buyers wait for this ticket type and the request "
            "has no valid Admission-Pass of an offer of it, for one ticket (the body's join "
            "and the Link header name its waiting list)",
        },
        404: {"model": Problem, "description": "not-found: no such ticket type"},
        409: {"model": Problem, "description": _either(SoldOut, PerUserLimitReached, SaleNotOpen)},
        422: {"model": Problem, "description": _either(problems.INVALID[0], IdempotencyKeyReused)},
        503: {
            "model": Problem,
            "description": "The stock store or the queue did not answer. The body's "
            "booking_id and the Location header name the booking, whose hold may still be "
            "booked: look it up before retrying (404: nothing was admitted). A retry with "
            "the same Idempotency-Key is always safe.",
            "headers": {
                "Retry-After": {"description": "Seconds", "schema": {"type": "integer"}},
                "Location": {"description": "The booking", "schema": {"type": "string"}},
            },
        },
        **rate_limits.RESPONSES,
    },
)


Reader = Annotated[Actor, Depends(Requires(Scope.BOOKINGS_READ))]
Writer = Annotated[Actor, Depends(Requires(Scope.BOOKINGS_WRITE))]
_NO_SCOPE = {"model": Problem, "description": "An API key without the scope"}


@router.get(
    "",
    operation_id="listBookings",
    dependencies=[rate_limits.READS],
    responses={
        401: {"model": Problem},
        403: _NO_SCOPE,
        422: {"model": Problem},
        **rate_limits.RESPONSES,
    },
)
async def list_bookings(
    actor: Reader,
    bookings: BookingsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> BookingPage:
    page = await bookings.list(actor, cursor, limit)
    return BookingPage(items=[BookingOut.of(b) for b in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{booking_id}",
    operation_id="getBooking",
    dependencies=[rate_limits.READS],
    responses={
        401: {"model": Problem},
        403: _NO_SCOPE,
        404: {"model": Problem},
        **rate_limits.RESPONSES,
    },
)
async def get_booking(booking_id: UUID, actor: Reader, bookings: BookingsDep) -> BookingOut:
    return BookingOut.of(await bookings.get(actor, booking_id))


@router.post(
    "/{booking_id}/cancel",
    operation_id="cancelBooking",
    dependencies=[rate_limits.BOOKINGS],
    responses={
        401: {"model": Problem},
        403: _NO_SCOPE,
        404: {"model": Problem},
        409: {"model": Problem},
        **rate_limits.RESPONSES,
    },
)
async def cancel_booking(
    booking_id: UUID, actor: Writer, audit: Audit, bookings: BookingsDep
) -> BookingOut:
    cancelled = await bookings.cancel(actor, booking_id)
    await audit.record(AuditAction.BOOKING_CANCELLED, target=named("booking", booking_id))
    return BookingOut.of(cancelled)
