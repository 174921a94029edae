"""E-tickets: issued with a paid booking, read by their owner only, checked in once at the
door, counted live for the organiser and listed for export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import orjson
import structlog

from bolttickets.domain.errors import (
    AlreadyCheckedIn,
    Forbidden,
    NotFound,
    TicketVoid,
    UnknownTicket,
)
from bolttickets.domain.model import Booking, Role
from bolttickets.domain.tickets import Ticket, new_code
from bolttickets.services.accounts import Actor
from bolttickets.services.ports import (
    Attendee,
    Clock,
    PubSub,
    TicketDetails,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger("bolttickets.tickets")

CHECKINS_CHANNEL = "checkins"
"""Each check-in's counts of its event, as the ``checkins`` frame its subscribers get."""

EXPORT_PAGE = 1000
"""Tickets read per transaction while an attendee list streams out."""


@dataclass(frozen=True, slots=True)
class CheckinCounts:
    event_id: UUID
    issued: int
    checked_in: int


class Tickets:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, pubsub: PubSub) -> None:
        self._uow = uow
        self._clock = clock
        self._pubsub = pubsub

    @staticmethod
    async def issue_for(uow: UnitOfWork, *bookings: Booking) -> None:
        """One ticket per admission of each booking, in the caller's transaction and one
        statement (a worker's batch issues hundreds at once); issuing a booking again (a
        retried transaction, a redelivered request) adds none."""
        await uow.tickets.issue(
            [
                Ticket(
                    code=new_code(),
                    booking_id=booking.id,
                    position=position,
                    event_id=booking.event_id,
                    ticket_type_id=booking.ticket_type_id,
                    user_id=booking.user_id,
                )
                for booking in bookings
                for position in range(1, booking.quantity + 1)
            ]
        )

    @staticmethod
    async def void_for(uow: UnitOfWork, booking: Booking) -> None:
        """The booking was refunded or cancelled: the door refuses its tickets from now on."""
        await uow.tickets.void(booking.id)

    async def of_booking(self, actor: Actor, booking_id: UUID) -> list[TicketDetails]:
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None or booking.user_id != actor.user_id:
                raise NotFound(f"Booking {booking_id} does not exist.")
            return [t for t in await uow.tickets.of_booking(booking_id) if not t.ticket.void]

    async def get(self, actor: Actor, code: str) -> TicketDetails:
        """The owner's valid ticket; anyone else's, or a void one, is as if unknown: a code
        is the ticket, so nobody but its owner may see one exists."""
        async with self._uow() as uow:
            found = await uow.tickets.get(code)
        if found is None or found.ticket.user_id != actor.user_id or found.ticket.void:
            raise UnknownTicket()
        return found

    async def check_in(self, actor: Actor, code: str) -> TicketDetails:
        """Admit the ticket once: of any number of scans, racing or not, one succeeds and
        every other is told when that one was."""
        async with self._uow(write=True) as uow:
            checked = await uow.tickets.check_in(code, self._clock.now())
            await uow.commit()
        if checked is None:
            async with self._uow() as uow:
                found = await uow.tickets.get(code)
            if found is None:
                raise UnknownTicket()
            if found.ticket.void:
                raise TicketVoid()
            assert found.ticket.checked_in_at is not None
            raise AlreadyCheckedIn(found.ticket.checked_in_at)
        ticket = checked.ticket
        log.info(
            "ticket_checked_in",
            event_id=str(ticket.event_id),
            booking_id=str(ticket.booking_id),
            position=ticket.position,
            by=str(actor.user_id),
            at=_iso(ticket.checked_in_at),
        )
        try:
            await self._publish(await self._counts(ticket.event_id))
        except Exception:
            # The ticket is checked in whatever the live count does: a scanner told
            # otherwise would scan again and be refused.
            log.warning("checkin_counts_not_published", exc_info=True)
        return checked

    async def counts(self, actor: Actor, event_id: UUID) -> CheckinCounts:
        await self._ensure_sees(actor, event_id, Role.DOOR)
        return await self._counts(event_id)

    async def attendees(self, actor: Actor, event_id: UUID) -> AsyncIterator[Attendee]:
        """Every ticket of the event, read a page per transaction so a long list holds no
        transaction open while it streams to a slow client. Checks access before the first
        row, so a refusal is an error, not an empty list."""
        await self._ensure_sees(actor, event_id)
        return self._attendee_pages(event_id)

    async def _attendee_pages(self, event_id: UUID) -> AsyncIterator[Attendee]:
        after: str | None = None
        while True:
            async with self._uow() as uow:
                page = await uow.tickets.attendees(event_id, after, EXPORT_PAGE)
            for attendee in page:
                yield attendee
            if len(page) < EXPORT_PAGE:
                return
            after = page[-1].ticket.code

    async def _ensure_sees(self, actor: Actor, event_id: UUID, *roles: Role) -> None:
        async with self._uow() as uow:
            event = await uow.events.get(event_id)
        if event is None:
            raise NotFound(f"Event {event_id} does not exist.")
        if not (event.managed_by(actor.user_id, actor.role) or actor.role in roles):
            raise Forbidden("Only the event's organizer or an admin sees this.")

    async def _counts(self, event_id: UUID) -> CheckinCounts:
        async with self._uow() as uow:
            issued, checked_in = await uow.tickets.counts(event_id)
        return CheckinCounts(event_id, issued, checked_in)

    async def _publish(self, counts: CheckinCounts) -> None:
        await self._pubsub.publish(
            CHECKINS_CHANNEL,
            orjson.dumps(
                {
                    "type": "checkins",
                    "event_id": str(counts.event_id),
                    "issued": counts.issued,
                    "checked_in": counts.checked_in,
                }
            ),
        )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
