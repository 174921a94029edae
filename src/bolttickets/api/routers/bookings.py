from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response, status

from bolttickets.api.deps import BookingsDep
from bolttickets.api.schemas import BookingAccepted, BookingIn, BookingOut, BookingPage, Problem
from bolttickets.api.security import CurrentActor
from bolttickets.observability import metrics

router = APIRouter(prefix="/api/bookings", tags=["bookings"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="One key per purchase intent; a retry with the same key and body returns "
        "the same booking, the same key with another body is a 422.",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="createBooking",
    responses={
        202: {
            "headers": {"Location": {"description": "The booking", "schema": {"type": "string"}}}
        },
        401: {"model": Problem},
        409: {"model": Problem, "description": "sold-out, per-user-limit or sale-not-open"},
        422: {"model": Problem},
        503: {
            "model": Problem,
            "description": "The queue is unavailable; retry with the same Idempotency-Key",
            "headers": {"Retry-After": {"description": "Seconds", "schema": {"type": "integer"}}},
        },
    },
)
async def create_booking(
    body: BookingIn,
    actor: CurrentActor,
    bookings: BookingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> BookingAccepted:
    try:
        placed = await bookings.place(actor, body.ticket_type_id, body.quantity, idempotency_key)
    except Exception as exc:
        metrics.BOOKING_REQUESTS.labels(type(exc).__name__).inc()
        raise
    metrics.BOOKING_REQUESTS.labels("accepted").inc()
    response.headers["Location"] = f"/api/bookings/{placed.booking_id}"
    return BookingAccepted(booking_id=placed.booking_id, status=placed.status.value)


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
