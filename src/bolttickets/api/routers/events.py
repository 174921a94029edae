from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from bolttickets.api import rate_limits
from bolttickets.api.deps import CatalogDep
from bolttickets.api.schemas import EventIn, EventOut, EventPage, Problem
from bolttickets.api.security import CurrentAdmin
from bolttickets.services.catalog import NewTicketType

router = APIRouter(prefix="/api/events", tags=["events"])

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createEvent",
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def create_event(body: EventIn, _: CurrentAdmin, catalog: CatalogDep) -> EventOut:
    view = await catalog.create_event(
        name=body.name,
        venue=body.venue,
        starts_at=body.starts_at,
        sale_starts_at=body.sale_starts_at,
        ticket_types=[
            NewTicketType(t.name, t.price_cents, t.currency, t.capacity, t.per_user_limit)
            for t in body.ticket_types
        ],
    )
    return EventOut.of(view)


@router.get(
    "",
    operation_id="listEvents",
    dependencies=[rate_limits.READS],
    responses={422: {"model": Problem}, **rate_limits.RESPONSES},
)
async def list_events(catalog: CatalogDep, limit: Limit = 20, cursor: Cursor = None) -> EventPage:
    page = await catalog.list_events(cursor, limit)
    return EventPage(items=[EventOut.of(v) for v in page.items], next_cursor=page.next_cursor)


@router.get(
    "/{event_id}",
    operation_id="getEvent",
    dependencies=[rate_limits.READS],
    responses={404: {"model": Problem}, **rate_limits.RESPONSES},
)
async def get_event(event_id: UUID, catalog: CatalogDep) -> EventOut:
    return EventOut.of(await catalog.get_event(event_id))
