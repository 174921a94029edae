"""An event's waiting lists after a sell-out: a buyer's place per ticket type, and the
organiser's overview (docs/waiting-room.md, "Waiting list")."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from bolttickets.api import rate_limits
from bolttickets.api.deps import WaitingListsDep
from bolttickets.api.schemas import (
    Problem,
    WaitlistCounts,
    WaitlistJoin,
    WaitlistOverview,
    WaitlistPlace,
    WaitlistPlaces,
)
from bolttickets.api.security import Person, Requires
from bolttickets.domain.errors import NotSoldOut
from bolttickets.domain.model import Scope
from bolttickets.services.accounts import Actor

router = APIRouter(prefix="/api/events/{event_id}/waiting-list", tags=["waiting list"])

_BUYER_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem},
    403: {"model": Problem, "description": "An API key: only a person waits"},
    **rate_limits.RESPONSES,
}


@router.post(
    "",
    operation_id="joinWaitingList",
    dependencies=[rate_limits.BOOKINGS],
    responses={
        **_BUYER_RESPONSES,
        404: {"model": Problem, "description": "not-found: no such event or ticket type"},
        409: {
            "model": Problem,
            "description": f"{NotSoldOut.slug}: the ticket type still has tickets: book one",
        },
    },
)
async def join_waiting_list(
    event_id: UUID, body: WaitlistJoin, actor: Person, lists: WaitingListsDep
) -> WaitlistPlace:
    """Wait for a sold-out ticket type: a ticket that comes back is offered to the next in
    line. Joining again returns the same place."""
    return WaitlistPlace.of(await lists.join(actor, event_id, body.ticket_type_id))


@router.get(
    "/me",
    operation_id="getMyWaitingListPlaces",
    dependencies=[rate_limits.READS],
    responses={
        **_BUYER_RESPONSES,
        404: {"model": Problem, "description": "not-found: no such event"},
    },
)
async def my_waiting_list_places(
    event_id: UUID, actor: Person, lists: WaitingListsDep
) -> WaitlistPlaces:
    """The caller's places, one per ticket type joined, with an offer's pass while offered."""
    return WaitlistPlaces(places=[WaitlistPlace.of(v) for v in await lists.mine(actor, event_id)])


@router.delete(
    "/{ticket_type_id}",
    operation_id="leaveWaitingList",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={
        **_BUYER_RESPONSES,
        404: {
            "model": Problem,
            "description": "not-found: no such event or ticket type, or not on its list",
        },
    },
)
async def leave_waiting_list(
    event_id: UUID, ticket_type_id: UUID, actor: Person, lists: WaitingListsDep
) -> None:
    """Leave the list; an offer the caller held passes to the next in line."""
    await lists.leave(actor, event_id, ticket_type_id)


@router.get(
    "",
    operation_id="getWaitingLists",
    responses={
        401: {"model": Problem},
        403: {"model": Problem, "description": "Not the event's organizer nor an admin"},
        404: {"model": Problem, "description": "not-found: no such event"},
    },
)
async def get_waiting_lists(
    event_id: UUID,
    actor: Annotated[Actor, Depends(Requires(Scope.EVENTS_READ))],
    lists: WaitingListsDep,
) -> WaitlistOverview:
    """How the event's waiting lists are doing, per ticket type anyone joined."""
    counts = await lists.overview(actor, event_id)
    return WaitlistOverview(ticket_types=[WaitlistCounts.of(c) for c in counts])
