"""The Tickets service over both databases: who reads a ticket, and what a scan answers."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
import pytest

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import AlreadyCheckedIn, TicketVoid, UnknownTicket
from bolttickets.domain.model import Role
from bolttickets.services.accounts import Actor
from bolttickets.services.tickets import CHECKINS_CHANNEL, Tickets
from tests.contract.test_ticket_repository import paid
from tests.unit.fakes import FakeClock, FakePubSub


class BrokenPubSub(FakePubSub):
    async def publish(self, channel: str, message: bytes) -> None:
        raise ConnectionError("the pub/sub is down")


def service(database: Database, pubsub: Any) -> Tickets:
    return Tickets(database.unit_of_work, FakeClock(), pubsub)


async def test_a_scan_answers_once_then_tells_when_and_publishes_the_counts(
    database: Database,
) -> None:
    pubsub = FakePubSub()
    tickets, door = service(database, pubsub), Actor(uuid4(), Role.DOOR)
    booking = await paid(database, 2)
    owner = Actor(booking.user_id, Role.CUSTOMER)
    first, second = await tickets.of_booking(owner, booking.id)

    admitted = await tickets.check_in(door, first.ticket.code)
    with pytest.raises(AlreadyCheckedIn) as again:
        await tickets.check_in(door, first.ticket.code)
    with pytest.raises(UnknownTicket):
        await tickets.check_in(door, "no-such-code")

    assert again.value.checked_in_at == admitted.ticket.checked_in_at == FakeClock().now()
    [(channel, message)] = pubsub.published
    assert channel == CHECKINS_CHANNEL
    assert orjson.loads(message) == {
        "type": "checkins",
        "event_id": str(booking.event_id),
        "issued": 2,
        "checked_in": 1,
    }
    assert (await tickets.get(owner, second.ticket.code)).ticket.checked_in_at is None


async def test_a_check_in_stands_when_the_counts_cannot_be_published(database: Database) -> None:
    tickets = service(database, BrokenPubSub())
    booking = await paid(database, 1)
    [ticket] = await tickets.of_booking(Actor(booking.user_id, Role.CUSTOMER), booking.id)
    door = Actor(uuid4(), Role.DOOR)

    await tickets.check_in(door, ticket.ticket.code)
    with pytest.raises(AlreadyCheckedIn):
        await tickets.check_in(door, ticket.ticket.code)


async def test_a_void_ticket_is_refused_at_the_door_and_hidden_from_its_owner(
    database: Database,
) -> None:
    tickets = service(database, FakePubSub())
    booking = await paid(database, 1)
    owner = Actor(booking.user_id, Role.CUSTOMER)
    [ticket] = await tickets.of_booking(owner, booking.id)
    async with database.unit_of_work(write=True) as uow:
        await Tickets.void_for(uow, booking)
        await uow.commit()

    with pytest.raises(TicketVoid):
        await tickets.check_in(Actor(uuid4(), Role.ADMIN), ticket.ticket.code)
    with pytest.raises(UnknownTicket):
        await tickets.get(owner, ticket.ticket.code)
    assert await tickets.of_booking(owner, booking.id) == []


async def test_nobody_but_the_owner_reads_a_ticket(database: Database) -> None:
    tickets = service(database, FakePubSub())
    booking = await paid(database, 1)
    [ticket] = await tickets.of_booking(Actor(booking.user_id, Role.CUSTOMER), booking.id)

    for role in Role:
        with pytest.raises(UnknownTicket):
            await tickets.get(Actor(uuid4(), role), ticket.ticket.code)
