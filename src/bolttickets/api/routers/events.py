from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from bolttickets.api import rate_limits
from bolttickets.api.auditing import Audit
from bolttickets.api.deps import BookingsDep, CatalogDep, WaitingRoomsDep
from bolttickets.api.schemas import BookingOut, BookingPage, EventIn, EventOut, EventPage, Problem
from bolttickets.api.security import Public, Requires
from bolttickets.domain.model import BookingStatus, Role, Scope
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditAction, named
from bolttickets.services.catalog import NewTicketType

router = APIRouter(prefix="/api/events", tags=["events"])

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]

_PUBLIC = [Depends(Public(Scope.EVENTS_READ))]
# An API key may be refused even where no credential is needed (see Public).
_PUBLIC_REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "An API key that is not valid"},
    403: {"model": Problem, "description": "An API key without events:read"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createEvent",
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def create_event(
    body: EventIn,
    actor: Annotated[Actor, Depends(Requires(Scope.EVENTS_WRITE, Role.ORGANIZER, Role.ADMIN))],
    audit: Audit,
    catalog: CatalogDep,
) -> EventOut:
    """Organizers and admins create events; the creator manages the event."""
    view = await catalog.create_event(
        organizer_id=actor.user_id,
        name=body.name,
        venue=body.venue,
        starts_at=body.starts_at,
        sale_starts_at=body.sale_starts_at,
        ticket_types=[
            NewTicketType(t.name, t.price_cents, t.currency, t.capacity, t.per_user_limit)
            for t in body.ticket_types
        ],
        payment_window_seconds=body.payment_window_seconds,
        refunds_until=body.refunds_until,
    )
    await audit.record(AuditAction.EVENT_CREATED, target=named("event", view.event.id))
    return EventOut.of(view)


@router.get(
    "",
    operation_id="listEvents",
    dependencies=[*_PUBLIC, rate_limits.READS],
    responses={**_PUBLIC_REFUSALS, 422: {"model": Problem}, **rate_limits.RESPONSES},
)
async def list_events(
    catalog: CatalogDep, rooms: WaitingRoomsDep, limit: Limit = 20, cursor: Cursor = None
) -> EventPage:
    page = await catalog.list_events(cursor, limit)
    return EventPage(
        items=[EventOut.of(v, rooms.room_of(v.event.id)) for v in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/{event_id}",
    operation_id="getEvent",
    dependencies=[*_PUBLIC, rate_limits.READS],
    responses={**_PUBLIC_REFUSALS, 404: {"model": Problem}, **rate_limits.RESPONSES},
)
async def get_event(event_id: UUID, catalog: CatalogDep, rooms: WaitingRoomsDep) -> EventOut:
    # The rooms are in memory (docs/waiting-room.md): no extra database read.
    return EventOut.of(await catalog.get_event(event_id), rooms.room_of(event_id))


@router.get(
    "/{event_id}/bookings",
    operation_id="listEventBookings",
    responses={
        401: {"model": Problem},
        403: {"model": Problem, "description": "Not the event's organizer nor an admin"},
        404: {"model": Problem},
        422: {"model": Problem},
    },
)
async def list_event_bookings(
    event_id: UUID,
    actor: Annotated[Actor, Depends(Requires(Scope.BOOKINGS_READ))],
    bookings: BookingsDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    status: Annotated[
        BookingStatus | None, Query(description="Only bookings in this status")
    ] = None,
) -> BookingPage:
    """Every booking of the event (or those in ``status``), newest first: for its organizer
    and admins."""
    page = await bookings.of_event(actor, event_id, cursor, limit, status)
    return BookingPage(items=[BookingOut.of(b) for b in page.items], next_cursor=page.next_cursor)
