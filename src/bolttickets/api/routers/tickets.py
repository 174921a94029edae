"""E-tickets for their owner (JSON, QR code as SVG or PNG, a PDF), check-in at the door,
the event's live check-in counts and its attendee list."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import StreamingResponse

from bolttickets.api import rate_limits
from bolttickets.api.auditing import Audit
from bolttickets.api.deps import TicketsDep
from bolttickets.api.schemas import CheckinCountsOut, CheckinIn, CheckinOut, Problem, TicketOut
from bolttickets.api.security import Requires
from bolttickets.api.ticket_documents import pdf, png, svg
from bolttickets.domain.errors import AlreadyCheckedIn, TicketVoid, UnknownTicket
from bolttickets.domain.model import Role, Scope
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditAction, named
from bolttickets.services.ports import Attendee

router = APIRouter(tags=["tickets"])

Reader = Annotated[Actor, Depends(Requires(Scope.BOOKINGS_READ))]
Door = Annotated[Actor, Depends(Requires(None, Role.DOOR, Role.ADMIN, keys=False))]
Code = Annotated[str, Path(min_length=1, max_length=64)]

# A ticket is a credential: no cache between the owner and us may keep it.
_PRIVATE = {"Cache-Control": "private, no-store"}
_NO_SCOPE = {"model": Problem, "description": "An API key without bookings:read"}
_NOT_YOURS = {"model": Problem, "description": "unknown-ticket: no such code, or not yours"}


def _image(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"content": {media_type: {}}, "description": description},
        401: {"model": Problem},
        403: _NO_SCOPE,
        404: _NOT_YOURS,
        **rate_limits.RESPONSES,
    }


@router.get(
    "/api/bookings/{booking_id}/tickets",
    operation_id="listBookingTickets",
    dependencies=[rate_limits.READS],
    responses={
        401: {"model": Problem},
        403: _NO_SCOPE,
        404: {"model": Problem, "description": "not-found: no such booking, or not yours"},
        **rate_limits.RESPONSES,
    },
)
async def list_booking_tickets(
    booking_id: UUID, actor: Reader, tickets: TicketsDep, response: Response
) -> list[TicketOut]:
    """The tickets of your booking, one per admission, none while it is not paid or once
    it is refunded or cancelled."""
    response.headers.update(_PRIVATE)
    return [TicketOut.of(t) for t in await tickets.of_booking(actor, booking_id)]


@router.get(
    "/api/tickets/{code}/qr.svg",
    operation_id="getTicketQrSvg",
    dependencies=[rate_limits.READS],
    response_class=Response,
    responses=_image("image/svg+xml", "The ticket's code as a QR code"),
)
async def get_ticket_qr_svg(code: Code, actor: Reader, tickets: TicketsDep) -> Response:
    found = await tickets.get(actor, code)
    return Response(svg(found), media_type="image/svg+xml", headers=_PRIVATE)


@router.get(
    "/api/tickets/{code}/qr.png",
    operation_id="getTicketQrPng",
    dependencies=[rate_limits.READS],
    response_class=Response,
    responses=_image("image/png", "The ticket's code as a QR code"),
)
async def get_ticket_qr_png(code: Code, actor: Reader, tickets: TicketsDep) -> Response:
    found = await tickets.get(actor, code)
    return Response(png(found), media_type="image/png", headers=_PRIVATE)


@router.get(
    "/api/tickets/{code}/ticket.pdf",
    operation_id="getTicketPdf",
    dependencies=[rate_limits.READS],
    response_class=Response,
    responses=_image("application/pdf", "The ticket to print: its QR code, event and type"),
)
async def get_ticket_pdf(code: Code, actor: Reader, tickets: TicketsDep) -> Response:
    found = await tickets.get(actor, code)
    headers = {**_PRIVATE, "Content-Disposition": 'attachment; filename="ticket.pdf"'}
    return Response(pdf(found), media_type="application/pdf", headers=headers)


@router.post(
    "/api/checkin",
    operation_id="checkIn",
    responses={
        401: {"model": Problem},
        403: {"model": Problem, "description": "Neither door nor admin, or an API key"},
        404: {"model": Problem, "description": f"{UnknownTicket.slug}: no ticket has this code"},
        409: {
            "model": Problem,
            "description": f"{AlreadyCheckedIn.slug}: scanned before, at its checked_in_at; "
            f"or {TicketVoid.slug}: its booking was refunded or cancelled",
        },
        422: {"model": Problem},
    },
)
async def check_in(body: CheckinIn, actor: Door, audit: Audit, tickets: TicketsDep) -> CheckinOut:
    """Admit a ticket at the door: valid once, however many scanners scan it at once."""
    checked = await tickets.check_in(actor, body.code)
    # The booking and position name the ticket: its code is a credential, never logged.
    await audit.record(
        AuditAction.TICKET_CHECKED_IN,
        target=named("booking", checked.ticket.booking_id),
        details={"position": checked.ticket.position},
    )
    return CheckinOut.of(checked)


@router.get(
    "/api/events/{event_id}/checkins",
    operation_id="getEventCheckins",
    responses={
        401: {"model": Problem},
        403: {"model": Problem, "description": "Not the event's organizer, door nor admin"},
        404: {"model": Problem},
        422: {"model": Problem},
    },
)
async def get_event_checkins(
    event_id: UUID,
    actor: Annotated[Actor, Depends(Requires(Scope.BOOKINGS_READ))],
    tickets: TicketsDep,
) -> CheckinCountsOut:
    """How many of the event's tickets are issued and checked in; the event's realtime
    subscribers get the same as a ``checkins`` frame after each check-in."""
    counts = await tickets.counts(actor, event_id)
    return CheckinCountsOut(
        event_id=counts.event_id, issued=counts.issued, checked_in=counts.checked_in
    )


CSV_COLUMNS = ("code", "ticket_type", "buyer_email", "booking_id", "status", "checked_in_at")


@router.get(
    "/api/events/{event_id}/attendees.csv",
    operation_id="exportEventAttendees",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}},
            "description": "One row per ticket: " + ", ".join(CSV_COLUMNS),
        },
        401: {"model": Problem},
        403: {"model": Problem, "description": "Not the event's organizer nor an admin"},
        404: {"model": Problem},
        422: {"model": Problem},
    },
)
async def export_event_attendees(
    event_id: UUID,
    actor: Annotated[Actor, Depends(Requires(Scope.BOOKINGS_READ))],
    audit: Audit,
    tickets: TicketsDep,
) -> StreamingResponse:
    """Every ticket of the event, void ones too, for the organizer's own door list. The
    export is audited."""
    rows = await tickets.attendees(actor, event_id)
    await audit.record(AuditAction.ATTENDEES_EXPORTED, target=named("event", event_id))
    headers = {**_PRIVATE, "Content-Disposition": 'attachment; filename="attendees.csv"'}
    return StreamingResponse(_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


async def _csv(rows: AsyncIterator[Attendee]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    async for row in rows:
        writer.writerow(
            (
                row.ticket.code,
                row.ticket_type_name,
                row.buyer_email,
                row.ticket.booking_id,
                row.ticket.status.value,
                "" if row.ticket.checked_in_at is None else row.ticket.checked_in_at.isoformat(),
            )
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
