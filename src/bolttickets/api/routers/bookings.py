from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError

from bolttickets.api.deps import BookingsDep, container
from bolttickets.api.schemas import BookingAccepted, BookingIn, BookingOut, BookingPage, Problem
from bolttickets.api.security import CurrentActor, authenticate
from bolttickets.observability import metrics

router = APIRouter(prefix="/api/bookings", tags=["bookings"])

_KEY_RULES = StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
_key_adapter: TypeAdapter[str] = TypeAdapter(Annotated[str, _KEY_RULES])

IdempotencyKey = Annotated[
    str | None,
    _KEY_RULES,
    Header(
        alias="Idempotency-Key",
        description="One key per purchase intent, scoped to the user (not to a ticket type): "
        "a retry with the same key and body returns the same booking; the same key with "
        "another body (another ticket type or quantity) is a 422 idempotency-key-reused, "
        "however long after.",
    ),
]

_ACCEPTED = metrics.BOOKING_REQUESTS.labels("accepted")


async def create_booking(
    body: BookingIn,
    actor: CurrentActor,
    bookings: BookingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> BookingAccepted:
    """Admit a booking; it is pending until the worker confirms or rejects it."""
    try:
        placed = await bookings.place(actor, body.ticket_type_id, body.quantity, idempotency_key)
    except Exception as exc:
        metrics.BOOKING_REQUESTS.labels(type(exc).__name__).inc()
        raise
    _ACCEPTED.inc()
    response.headers["Location"] = f"/api/bookings/{placed.booking_id}"
    return BookingAccepted(booking_id=placed.booking_id, status=placed.status.value)


async def serve_create_booking(request: Request) -> Response:
    """The hot path: ``create_booking`` without FastAPI's generic request handling.

    ``api.fast_path`` sends every POST /api/bookings here; FastAPI still documents the route
    from its declaration below.

    It reads the same three inputs with the same validators and raises the same exceptions,
    so clients get the same answers, at a fraction of the per-request cost (resolving
    dependencies and re-validating the response model dominated a profile of the route).
    """
    actor = authenticate(request)
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
    response = Response(status_code=status.HTTP_202_ACCEPTED)
    accepted = await create_booking(body, actor, container(request).bookings, response, key)
    response.body = accepted.__pydantic_serializer__.to_json(accepted)
    response.headers["Content-Type"] = "application/json"
    response.headers["Content-Length"] = str(len(response.body))
    return response


def _invalid(where: tuple[str, ...], exc: ValidationError, raw: bytes) -> RequestValidationError:
    """The error FastAPI would raise for the same input, so the answer is the same too."""
    return RequestValidationError(
        [{**e, "loc": (*where, *e["loc"])} for e in exc.errors()], body=raw
    )


router.add_api_route(
    "",
    create_booking,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="createBooking",
    responses={
        202: {
            "headers": {"Location": {"description": "The booking", "schema": {"type": "string"}}}
        },
        401: {"model": Problem},
        409: {"model": Problem, "description": "sold-out, per-user-limit or sale-not-open"},
        422: {"model": Problem, "description": "validation-error or idempotency-key-reused"},
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
    },
)


@router.get("", operation_id="listBookings", responses={401: {"model": Problem}})
async def list_bookings(
    actor: CurrentActor,
    bookings: BookingsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> BookingPage:
    page = await bookings.list(actor, cursor, limit)
    return BookingPage(items=[BookingOut.of(b) for b in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{booking_id}",
    operation_id="getBooking",
    responses={401: {"model": Problem}, 404: {"model": Problem}},
)
async def get_booking(booking_id: UUID, actor: CurrentActor, bookings: BookingsDep) -> BookingOut:
    return BookingOut.of(await bookings.get(actor, booking_id))


@router.post(
    "/{booking_id}/cancel",
    operation_id="cancelBooking",
    responses={401: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}},
)
async def cancel_booking(
    booking_id: UUID, actor: CurrentActor, bookings: BookingsDep
) -> BookingOut:
    return BookingOut.of(await bookings.cancel(actor, booking_id))
