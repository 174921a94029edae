"""Tickets in the database: SQLite (embedded) and PostgreSQL, one suite."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.model import Booking, BookingStatus
from bolttickets.domain.tickets import CODE_BYTES, TicketStatus
from bolttickets.services.batch import QueuePosition, apply_batch
from bolttickets.services.tickets import Tickets
from tests.contract.test_repository import NOW, add_event, add_user, request_for


async def paid(database: Database, quantity: int) -> Booking:
    """A free booking the worker admitted: paid at once, which issues its tickets."""
    tt = (await add_event(database, capacity=10, price_cents=0)).ticket_types[0]
    user = await add_user(database)
    outcome = await apply_batch(
        database.unit_of_work,
        [request_for(user, tt, quantity)],
        QueuePosition("g", "t", {0: 1}),
        NOW,
    )
    [booking] = outcome.decided
    assert booking.status is BookingStatus.PAID
    return booking


async def test_a_paid_booking_has_one_ticket_per_admission_issued_once(
    database: Database,
) -> None:
    booking = await paid(database, 3)
    async with database.unit_of_work(write=True) as uow:
        await Tickets.issue_for(uow, booking)  # again: a retried transaction
        await uow.commit()
    async with database.unit_of_work() as uow:
        issued = await uow.tickets.of_booking(booking.id)

    assert [t.ticket.position for t in issued] == [1, 2, 3]
    assert len({t.ticket.code for t in issued}) == 3
    # token_urlsafe: 4 characters per 3 bytes, so at least CODE_BYTES * 8 bits in each.
    assert all(len(t.ticket.code) >= CODE_BYTES * 4 // 3 for t in issued)
    first = issued[0]
    assert (first.event_name, first.ticket_type_name) == ("Gig", "GA")
    assert first.ticket.status is TicketStatus.VALID
    assert first.ticket.user_id == booking.user_id


async def test_a_ticket_is_checked_in_once_and_keeps_its_first_time(database: Database) -> None:
    booking = await paid(database, 1)
    async with database.unit_of_work() as uow:
        [ticket] = await uow.tickets.of_booking(booking.id)
    code = ticket.ticket.code
    results = []
    for minutes in (0, 5):
        async with database.unit_of_work(write=True) as uow:
            results.append(await uow.tickets.check_in(code, NOW + timedelta(minutes=minutes)))
            await uow.commit()
    async with database.unit_of_work() as uow:
        found = await uow.tickets.get(code)
        unknown = await uow.tickets.get("no-such-code")

    assert results[0] is not None and results[0].ticket.checked_in_at == NOW
    assert results[1] is None
    assert found is not None and found.ticket.checked_in_at == NOW
    assert found.ticket.status is TicketStatus.CHECKED_IN
    assert unknown is None


async def test_of_racing_check_ins_exactly_one_wins(database: Database) -> None:
    booking = await paid(database, 1)
    async with database.unit_of_work() as uow:
        [ticket] = await uow.tickets.of_booking(booking.id)

    async def scan(second: int) -> bool:
        async with database.unit_of_work(write=True) as uow:
            won = await uow.tickets.check_in(ticket.ticket.code, NOW + timedelta(seconds=second))
            await uow.commit()
        return won is not None

    wins = await asyncio.gather(*(scan(i) for i in range(20)))
    assert sum(wins) == 1


async def test_void_tickets_are_not_checked_in_nor_counted(database: Database) -> None:
    kept, voided = await paid(database, 2), await paid(database, 3)
    async with database.unit_of_work(write=True) as uow:
        await Tickets.void_for(uow, voided)
        [first, _] = await uow.tickets.of_booking(kept.id)
        [void, *_] = await uow.tickets.of_booking(voided.id)
        assert await uow.tickets.check_in(first.ticket.code, NOW) is not None
        assert await uow.tickets.check_in(void.ticket.code, NOW) is None
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.tickets.counts(kept.event_id) == (2, 1)
        assert await uow.tickets.counts(voided.event_id) == (0, 0)
        found = await uow.tickets.get(void.ticket.code)
    assert found is not None and found.ticket.status is TicketStatus.VOID


async def test_attendees_page_through_every_ticket_of_the_event_once(database: Database) -> None:
    booking = await paid(database, 5)
    seen: list[str] = []
    after = None
    async with database.unit_of_work() as uow:
        while page := await uow.tickets.attendees(booking.event_id, after, 2):
            seen += [a.ticket.code for a in page]
            after = page[-1].ticket.code
        [attendee, *_] = await uow.tickets.attendees(booking.event_id, None, 1)
        buyer = await uow.users.get(booking.user_id)

    assert seen == sorted(seen) and len(set(seen)) == 5
    assert buyer is not None and attendee.buyer_email == buyer.email
    assert attendee.ticket_type_name == "GA"
