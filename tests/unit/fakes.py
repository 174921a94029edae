"""Hand-written fakes of the service ports, for unit tests of the services."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from bolttickets.domain.allocation import TicketTypeState
from bolttickets.domain.errors import DatabaseUnavailable, EmailTaken, QueueUnavailable
from bolttickets.domain.model import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    Event,
    TicketType,
    User,
)
from bolttickets.domain.requests import BookingRequest
from bolttickets.domain.tickets import Ticket
from bolttickets.services.messages import encode_request
from bolttickets.services.ports import (
    Page,
    QueueRecord,
    RefusedByDatabase,
    StockBasis,
    StoredBooking,
)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2030, 1, 1, 12, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class FakeData:
    """The 'database' shared by every unit of work; committed state only."""

    def __init__(self) -> None:
        self.users: dict[UUID, User] = {}
        self.events: dict[UUID, Event] = {}
        self.ticket_types: dict[UUID, TicketType] = {}
        self.bookings: dict[UUID, tuple[Booking, str | None, str]] = {}
        self.offsets: dict[tuple[str, str, int], int] = {}
        self.release_pending: set[UUID] = set()
        self.tickets: dict[tuple[UUID, int], Ticket] = {}
        """(booking id, position) -> the ticket; the services' unit tests need no more."""
        self.commits = 0


class FakeUnitOfWork:
    """Stages changes and applies them to FakeData only on commit."""

    def __init__(self, data: FakeData, *, suspends: bool = False) -> None:
        self.data = data
        self._suspends = suspends
        self._staged: list[tuple[str, object]] = []
        self.users = _FakeUsers(self)
        self.events = _FakeEvents(self)
        self.bookings = _FakeBookings(self)
        self.offsets = _FakeOffsets(self)
        self.tickets = _FakeTickets(self)

    async def __aenter__(self) -> Self:
        if self._suspends:
            await asyncio.sleep(0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staged.clear()

    async def commit(self) -> None:
        for apply, value in self._staged:
            getattr(self, f"_apply_{apply}")(value)
        self._staged.clear()
        self.data.commits += 1

    def _apply_user(self, user: object) -> None:
        assert isinstance(user, User)
        self.data.users[user.id] = user

    def _apply_event(self, event: object) -> None:
        assert isinstance(event, Event)
        self.data.events[event.id] = event
        for tt in event.ticket_types:
            self.data.ticket_types[tt.id] = tt

    def _apply_booking(self, row: object) -> None:
        booking, key, fp = row  # type: ignore[misc]
        self.data.bookings[booking.id] = (booking, key, fp)

    def _apply_sold(self, change: object) -> None:
        tt_id, quantity = change  # type: ignore[misc]
        tt = self.data.ticket_types[tt_id]
        assert 0 <= tt.sold + quantity <= tt.capacity, "CHECK (sold <= capacity) violated"
        self.data.ticket_types[tt_id] = _with_sold(tt, tt.sold + quantity)

    def _apply_release_pending(self, change: object) -> None:
        booking_id, pending = change  # type: ignore[misc]
        if pending:
            self.data.release_pending.add(booking_id)
        else:
            self.data.release_pending.discard(booking_id)

    def _apply_ticket(self, ticket: object) -> None:
        assert isinstance(ticket, Ticket)
        self.data.tickets.setdefault((ticket.booking_id, ticket.position), ticket)

    def _apply_void(self, booking_id: object) -> None:
        for key, ticket in self.data.tickets.items():
            if ticket.booking_id == booking_id:
                self.data.tickets[key] = replace(ticket, void=True)

    def _apply_offset(self, change: object) -> None:
        key, offset = change  # type: ignore[misc]
        self.data.offsets[key] = max(offset, self.data.offsets.get(key, 0))


def _with_sold(tt: TicketType, sold: int) -> TicketType:
    return TicketType(
        tt.id,
        tt.event_id,
        tt.name,
        tt.price_cents,
        tt.currency,
        tt.capacity,
        tt.per_user_limit,
        sold,
    )


class _FakeUsers:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self._data = uow.data

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._data.users.values()):
            raise EmailTaken()
        self._uow._staged.append(("user", user))

    async def get(self, user_id: UUID) -> User | None:
        return self._data.users.get(user_id)

    async def active(self, user_ids: Sequence[UUID]) -> set[UUID]:
        users = self._data.users
        return {i for i in user_ids if i in users and users[i].erased_at is None}

    async def by_email(self, email: str) -> User | None:
        return next((u for u in self._data.users.values() if u.email == email), None)


class _FakeEvents:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self._data = uow.data

    async def add(self, event: Event) -> None:
        self._uow._staged.append(("event", event))

    async def get(self, event_id: UUID) -> Event | None:
        event = self._data.events.get(event_id)
        if event is None:
            return None
        return Event(
            event.id,
            event.name,
            event.venue,
            event.starts_at,
            event.sale_starts_at,
            event.created_at,
            tuple(self._data.ticket_types[t.id] for t in event.ticket_types),
        )

    async def page(self, cursor: str | None, limit: int) -> Page[Event]:
        events = [await self.get(e) for e in self._data.events]
        return Page([e for e in events if e is not None][:limit], None)

    async def ticket_type(self, ticket_type_id: UUID) -> tuple[TicketType, Event] | None:
        tt = self._data.ticket_types.get(ticket_type_id)
        if tt is None:
            return None
        event = await self.get(tt.event_id)
        assert event is not None
        return tt, event

    async def stock_basis(self, ticket_type_id: UUID) -> StockBasis | None:
        found = await self.ticket_type(ticket_type_id)
        if found is None:
            return None
        tt, event = found
        per_user: dict[UUID, int] = {}
        keys: dict[UUID, str] = {}
        for booking, key, fp in self._data.bookings.values():
            if booking.ticket_type_id != ticket_type_id:
                continue
            if booking.status in HOLDING_STATUSES:
                per_user[booking.user_id] = per_user.get(booking.user_id, 0) + booking.quantity
            if key is not None:
                keys[booking.id] = fp
        return StockBasis(tt, event.sale_starts_at, event.starts_at, per_user, keys)

    async def all_ticket_type_ids(self) -> list[UUID]:
        return list(self._data.ticket_types)

    async def open_ticket_types(self, now: datetime, after: UUID | None, limit: int) -> list[UUID]:
        open_ids = sorted(
            tt.id
            for tt in self._data.ticket_types.values()
            if self._data.events[tt.event_id].starts_at > now
        )
        return [i for i in open_ids if after is None or i > after][:limit]

    async def known_ticket_types(self, ids: Sequence[UUID]) -> set[UUID]:
        return {i for i in ids if i in self._data.ticket_types}


class _FakeBookings:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self._data = uow.data

    async def get(self, booking_id: UUID) -> Booking | None:
        row = self._data.bookings.get(booking_id)
        return row[0] if row else None

    async def page(self, user_id: UUID | None, cursor: str | None, limit: int) -> Page[Booking]:
        rows = [b for b, _, _ in self._data.bookings.values() if user_id in (None, b.user_id)]
        return Page(rows[:limit], None)

    async def lock_ticket_types(self, ids: Sequence[UUID]) -> dict[UUID, TicketTypeState]:
        return {
            i: TicketTypeState(tt.capacity, tt.sold, tt.per_user_limit)
            for i in ids
            if (tt := self._data.ticket_types.get(i)) is not None
        }

    async def existing(self, ids: Sequence[UUID]) -> dict[UUID, StoredBooking]:
        return {
            i: StoredBooking(i, row[0].status, row[2])
            for i in ids
            if (row := self._data.bookings.get(i)) is not None
        }

    async def held_per_user(
        self, pairs: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], int]:
        totals: dict[tuple[UUID, UUID], int] = {}
        for booking, _, _ in self._data.bookings.values():
            pair = (booking.user_id, booking.ticket_type_id)
            if booking.status in HOLDING_STATUSES and pair in pairs:
                totals[pair] = totals.get(pair, 0) + booking.quantity
        return totals

    async def insert_new(self, rows: Sequence[tuple[Booking, str | None, str]]) -> list[Booking]:
        if unknown := {b.user_id for b, _, _ in rows} - self._data.users.keys():
            raise RefusedByDatabase(f"no user {sorted(unknown)}: a foreign key")
        inserted = [row for row in rows if row[0].id not in self._data.bookings]
        self._uow._staged.extend(("booking", row) for row in inserted)
        return [row[0] for row in inserted]

    async def add_sold(self, sold: Mapping[UUID, int]) -> None:
        self._uow._staged.extend(("sold", item) for item in sold.items())

    async def cancel(self, booking_id: UUID) -> Booking | None:
        row = self._data.bookings.get(booking_id)
        if row is None or not row[0].cancellable:
            return None
        return self._give_back(booking_id, BookingStatus.CANCELLED)

    async def expire_due(self, now: datetime, limit: int) -> list[Booking]:
        due = [
            b.id
            for b, _, _ in self._data.bookings.values()
            if b.status is BookingStatus.RESERVED
            and b.expires_at is not None
            and b.expires_at <= now
        ]
        return [self._give_back(i, BookingStatus.EXPIRED) for i in due[:limit]]

    def _give_back(self, booking_id: UUID, status: BookingStatus) -> Booking:
        b, key, fp = self._data.bookings[booking_id]
        changed = dataclasses.replace(b, status=status)
        self._uow._staged.append(("booking", (changed, key, fp)))
        self._uow._staged.append(("sold", (b.ticket_type_id, -b.quantity)))
        self._uow._staged.append(("release_pending", (b.id, True)))
        return changed

    async def pending_releases(
        self, limit: int, ids: Sequence[UUID] | None = None
    ) -> list[Booking]:
        pending = [i for i in self._data.release_pending if ids is None or i in ids]
        return [self._data.bookings[i][0] for i in pending[:limit]]

    async def mark_released(self, ids: Sequence[UUID]) -> None:
        self._uow._staged.extend(("release_pending", (i, False)) for i in ids)

    async def settled_state(
        self, ticket_type_id: UUID, booking_ids: Sequence[UUID]
    ) -> tuple[TicketType, dict[UUID, BookingStatus]] | None:
        tt = self._data.ticket_types.get(ticket_type_id)
        if tt is None:
            return None
        return tt, {i: s.status for i, s in (await self.existing(booking_ids)).items()}


class _FakeOffsets:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def load(self, group: str, topic: str) -> dict[int, int]:
        return {p: o for (g, t, p), o in self._uow.data.offsets.items() if (g, t) == (group, topic)}

    async def store(self, group: str, topic: str, offsets: Mapping[int, int]) -> None:
        self._uow._staged.extend(("offset", ((group, topic, p), o)) for p, o in offsets.items())


class _FakeTickets:
    """Issuing and voiding, which the booking services do; the rest is the contract suite's."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def issue(self, tickets: Sequence[Ticket]) -> None:
        self._uow._staged.extend(("ticket", t) for t in tickets)

    async def void(self, booking_id: UUID) -> None:
        self._uow._staged.append(("void", booking_id))


class FakeUowFactory:
    def __init__(self) -> None:
        self.data = FakeData()
        self.opened = 0
        """Units of work begun: how often the database was asked."""
        self.down = False
        """The database does not answer."""
        self.suspends = False
        """Beginning a unit of work gives the event loop a turn, as a real database does."""

    def __call__(self, *, write: bool = False) -> FakeUnitOfWork:
        self.opened += 1
        if self.down:
            raise DatabaseUnavailable("the fake database is down")
        return FakeUnitOfWork(self.data, suspends=self.suspends)


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[BookingRequest] = []
        self.failing = False

    async def send(self, request: BookingRequest) -> None:
        if self.failing:
            raise QueueUnavailable("the fake broker is down")
        self.sent.append(request)


class FakeConsumer:
    """Delivers what was sent to a FakeQueue, on one partition; ``stall`` sets what
    ``stalled`` answers."""

    def __init__(self, queue: FakeQueue) -> None:
        self.queue = queue
        self.committed: list[int] = []
        self.offset = 0
        self.stall: str | None = None
        self.dead: list[QueueRecord] = []

    async def poll(self, max_records: int, timeout: float) -> list[QueueRecord]:
        await asyncio.sleep(0)  # a real poll waits for records: a loop must not spin alone
        taken, self.queue.sent = self.queue.sent[:max_records], self.queue.sent[max_records:]
        records = [
            QueueRecord(0, self.offset + i, None, encode_request(r)) for i, r in enumerate(taken)
        ]
        self.offset += len(records)
        return records

    async def commit(self, records: Sequence[QueueRecord]) -> None:
        self.committed.append(records[-1].offset + 1)

    async def dead_letter(self, record: QueueRecord) -> None:
        self.dead.append(record)

    def lag(self) -> dict[int, int]:
        return {0: len(self.queue.sent)}

    def stalled(self) -> str | None:
        return self.stall


class FakePubSub:
    def __init__(self) -> None:
        self.published: list[tuple[str, bytes]] = []

    async def publish(self, channel: str, message: bytes) -> None:
        self.published.append((channel, message))

    async def subscribe(self, channel: str) -> object:
        raise NotImplementedError("the services never subscribe")


class PlainHasher:
    async def hash(self, password: str) -> str:
        return f"plain:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == f"plain:{password}"
