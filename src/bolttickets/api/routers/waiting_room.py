"""An event's waiting room: the organiser's settings, and a buyer's place in it
(docs/waiting-room.md)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from bolttickets.api import rate_limits
from bolttickets.api.auditing import Audit
from bolttickets.api.deps import WaitingRoomsDep
from bolttickets.api.schemas import (
    Problem,
    WaitingRoomIn,
    WaitingRoomOut,
    WaitingRoomOverview,
    WaitingRoomPlace,
)
from bolttickets.api.security import Person, Requires
from bolttickets.domain.errors import WaitingRoomNotOpen
from bolttickets.domain.model import Role, Scope
from bolttickets.domain.waiting_room import RoomSettings
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditAction, named

router = APIRouter(prefix="/api/events/{event_id}/waiting-room", tags=["waiting room"])

Organizer = Annotated[Actor, Depends(Requires(Scope.EVENTS_WRITE, Role.ORGANIZER, Role.ADMIN))]
_NO_ROOM = {"model": Problem, "description": "not-found: no such event, or it has no room"}
_PLACE_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Problem},
    403: {"model": Problem, "description": "An API key: only a person joins"},
    404: _NO_ROOM,
    **rate_limits.RESPONSES,
}


@router.put(
    "",
    operation_id="setWaitingRoom",
    responses={
        401: {"model": Problem},
        403: {"model": Problem, "description": "Not the event's organizer nor an admin"},
        404: {"model": Problem, "description": "not-found: no such event"},
        422: {"model": Problem, "description": "validation-error: settings that cannot work"},
    },
)
async def set_waiting_room(
    event_id: UUID, body: WaitingRoomIn, actor: Organizer, audit: Audit, rooms: WaitingRoomsDep
) -> WaitingRoomOut:
    """Turn the event's waiting room on (or off, ``enabled: false``) and set it up."""
    room = await rooms.configure(
        actor,
        RoomSettings(
            event_id=event_id,
            opens_at=body.opens_at,
            admit_per_minute=body.admit_per_minute,
            pass_ttl_seconds=body.pass_ttl_seconds,
            automatic_factor=body.automatic_factor,
            enabled=body.enabled,
            offer_ttl_seconds=body.offer_ttl_seconds,
        ),
    )
    await audit.record(AuditAction.WAITING_ROOM_SET, target=named("event", event_id))
    return WaitingRoomOut.of(room)


@router.get(
    "",
    operation_id="getWaitingRoom",
    responses={
        401: {"model": Problem},
        403: {"model": Problem, "description": "Not the event's organizer nor an admin"},
        404: _NO_ROOM,
    },
)
async def get_waiting_room(
    event_id: UUID,
    actor: Annotated[Actor, Depends(Requires(Scope.EVENTS_READ))],
    rooms: WaitingRoomsDep,
) -> WaitingRoomOverview:
    """The room's settings and how it is doing (its size, admissions, purchases), for the
    event's organizer and admins: a live view polls it."""
    return WaitingRoomOverview.of_overview(await rooms.overview(actor, event_id))


@router.post(
    "/join",
    operation_id="joinWaitingRoom",
    dependencies=[rate_limits.BOOKINGS],
    responses={
        **_PLACE_RESPONSES,
        409: {
            "model": Problem,
            "description": f"{WaitingRoomNotOpen.slug}: not open yet, or the event started",
        },
    },
)
async def join_waiting_room(
    event_id: UUID, actor: Person, rooms: WaitingRoomsDep
) -> WaitingRoomPlace:
    """Get in line: one place per account, the same on every call. Before the sale starts
    the place has no number until the lottery at the start."""
    return WaitingRoomPlace.of(await rooms.join(actor, event_id))


@router.get(
    "/me",
    operation_id="getMyWaitingRoomPlace",
    dependencies=[rate_limits.READS],
    responses=_PLACE_RESPONSES,
)
async def my_waiting_room_place(
    event_id: UUID, actor: Person, rooms: WaitingRoomsDep
) -> WaitingRoomPlace:
    """The caller's place, for clients without the WebSocket; with the pass once admitted."""
    return WaitingRoomPlace.of(await rooms.me(actor, event_id))
