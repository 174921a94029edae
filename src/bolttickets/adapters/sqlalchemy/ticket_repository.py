"""The tickets of bookings: issued once per admission, checked in once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bolttickets.adapters.sqlalchemy.repositories import _insert
from bolttickets.adapters.sqlalchemy.tables import events, ticket_types, tickets, users
from bolttickets.domain.tickets import Ticket
from bolttickets.services.ports import Attendee, TicketDetails

_UNNEST_INSERT = sa.text(
    "INSERT INTO tickets (code, booking_id, position, event_id, ticket_type_id, user_id) "
    "SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:bookings AS uuid[]), "
    "CAST(:positions AS integer[]), CAST(:events AS uuid[]), CAST(:types AS uuid[]), "
    "CAST(:users AS uuid[])) "
    "ON CONFLICT (booking_id, position) DO NOTHING"
)

_DETAILS = (
    sa.select(tickets, events.c.name.label("event_name"), events.c.starts_at)
    .add_columns(ticket_types.c.name.label("ticket_type_name"))
    .join(events, events.c.id == tickets.c.event_id)
    .join(ticket_types, ticket_types.c.id == tickets.c.ticket_type_id)
)


class SqlTickets:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def issue(self, issued: Sequence[Ticket]) -> None:
        if not issued:
            return
        if self._conn.dialect.name == "postgresql":
            # One statement of six arrays: a worker's batch issues hundreds of tickets,
            # and an INSERT each (even pipelined) tripled its transaction.
            await self._conn.execute(
                _UNNEST_INSERT,
                {
                    "codes": [t.code for t in issued],
                    "bookings": [t.booking_id for t in issued],
                    "positions": [t.position for t in issued],
                    "events": [t.event_id for t in issued],
                    "types": [t.ticket_type_id for t in issued],
                    "users": [t.user_id for t in issued],
                },
            )
            return
        await self._conn.execute(
            _insert(self._conn, tickets).on_conflict_do_nothing(
                index_elements=["booking_id", "position"]
            ),
            [_row(t) for t in issued],
        )

    async def void(self, booking_id: UUID) -> None:
        await self._conn.execute(
            sa.update(tickets).where(tickets.c.booking_id == booking_id).values(void=True)
        )

    async def of_booking(self, booking_id: UUID) -> list[TicketDetails]:
        rows = await self._conn.execute(
            _DETAILS.where(tickets.c.booking_id == booking_id).order_by(tickets.c.position)
        )
        return [_details(row) for row in rows]

    async def get(self, code: str) -> TicketDetails | None:
        row = (await self._conn.execute(_DETAILS.where(tickets.c.code == code))).first()
        return None if row is None else _details(row)

    async def check_in(self, code: str, at: datetime) -> TicketDetails | None:
        # One statement decides: a racing scan waits for this row's lock, then finds
        # checked_in_at set and updates nothing.
        checked = (
            await self._conn.execute(
                sa.update(tickets)
                .where(
                    tickets.c.code == code,
                    tickets.c.checked_in_at.is_(None),
                    sa.not_(tickets.c.void),
                )
                .values(checked_in_at=at)
                .returning(tickets.c.code)
            )
        ).first()
        return None if checked is None else await self.get(code)

    async def counts(self, event_id: UUID) -> tuple[int, int]:
        row = (
            await self._conn.execute(
                sa.select(sa.func.count(), sa.func.count(tickets.c.checked_in_at)).where(
                    tickets.c.event_id == event_id, sa.not_(tickets.c.void)
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def attendees(self, event_id: UUID, after: str | None, limit: int) -> list[Attendee]:
        query = (
            sa.select(tickets, ticket_types.c.name.label("ticket_type_name"), users.c.email)
            .join(ticket_types, ticket_types.c.id == tickets.c.ticket_type_id)
            .join(users, users.c.id == tickets.c.user_id)
            .where(tickets.c.event_id == event_id)
            .order_by(tickets.c.code)
            .limit(limit)
        )
        if after is not None:
            query = query.where(tickets.c.code > after)
        rows = await self._conn.execute(query)
        return [Attendee(_ticket(row), row.ticket_type_name, row.email) for row in rows]


def _row(t: Ticket) -> dict[str, Any]:
    return {
        "code": t.code,
        "booking_id": t.booking_id,
        "position": t.position,
        "event_id": t.event_id,
        "ticket_type_id": t.ticket_type_id,
        "user_id": t.user_id,
    }


def _ticket(row: Any) -> Ticket:
    return Ticket(
        code=row.code,
        booking_id=row.booking_id,
        position=row.position,
        event_id=row.event_id,
        ticket_type_id=row.ticket_type_id,
        user_id=row.user_id,
        checked_in_at=row.checked_in_at,
        void=row.void,
    )


def _details(row: Any) -> TicketDetails:
    return TicketDetails(_ticket(row), row.event_name, row.starts_at, row.ticket_type_name)
