"""Tickets come with a paid booking (a free one is paid as the worker admits it) and go void
with its cancellation."""

from __future__ import annotations

from bolttickets.domain.tickets import TicketStatus
from tests.unit.conftest import World


async def test_the_worker_issues_a_ticket_per_admission_of_a_free_booking_it_admits(
    world: World,
) -> None:
    tt = await world.ticket_type(5, price_cents=0)
    kept = await world.bookings.place(world.buyer(), tt, 2, None)
    await world.drain()
    await world.drain()  # nothing new: nothing issued again

    issued = world.uow.data.tickets
    assert sorted(issued) == [(kept.booking_id, 1), (kept.booking_id, 2)]
    assert issued[(kept.booking_id, 1)].code != issued[(kept.booking_id, 2)].code


async def test_cancelling_a_booking_voids_its_tickets(world: World) -> None:
    tt = await world.ticket_type(4, price_cents=0)
    me = world.buyer()
    placed = await world.bookings.place(me, tt, 2, None)
    await world.drain()
    await world.bookings.cancel(me, placed.booking_id)

    assert {t.status for t in world.uow.data.tickets.values()} == {TicketStatus.VOID}
