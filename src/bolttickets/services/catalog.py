"""Events and ticket types: created synchronously, read with live remaining counts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from bolttickets.domain.errors import NotFound
from bolttickets.domain.model import DEFAULT_PAYMENT_WINDOW_SECONDS, Event, TicketType
from bolttickets.services.ports import Clock, Page, StockStore, UnitOfWorkFactory
from bolttickets.services.stock_sync import StockSync


@dataclass(frozen=True, slots=True)
class NewTicketType:
    name: str
    price_cents: int
    currency: str
    capacity: int
    per_user_limit: int | None


@dataclass(frozen=True, slots=True)
class EventView:
    event: Event
    remaining: dict[UUID, int]


class Catalog:
    def __init__(
        self, uow: UnitOfWorkFactory, stock: StockStore, sync: StockSync, clock: Clock
    ) -> None:
        self._uow = uow
        self._stock = stock
        self._sync = sync
        self._clock = clock
        # Ticket types never change once created, so the hot path may keep them.
        self._ticket_types: dict[UUID, tuple[TicketType, Event]] = {}
        # A sale opens with thousands of requests for a ticket type no process has read yet:
        # they wait for one read instead of each making its own.
        self._loading: dict[UUID, asyncio.Future[tuple[TicketType, Event] | None]] = {}

    async def create_event(
        self,
        name: str,
        venue: str,
        starts_at: datetime,
        sale_starts_at: datetime | None,
        ticket_types: Sequence[NewTicketType],
        *,
        organizer_id: UUID | None,
        payment_window_seconds: int = DEFAULT_PAYMENT_WINDOW_SECONDS,
        refunds_until: datetime | None = None,
    ) -> EventView:
        """``organizer_id`` manages the event; None leaves it to admins."""
        event_id = uuid4()
        event = Event(
            id=event_id,
            name=name,
            venue=venue,
            starts_at=starts_at,
            sale_starts_at=sale_starts_at,
            created_at=self._clock.now(),
            ticket_types=tuple(
                TicketType(
                    uuid4(),
                    event_id,
                    t.name,
                    t.price_cents,
                    t.currency.upper(),
                    t.capacity,
                    t.per_user_limit,
                )
                for t in ticket_types
            ),
            organizer_id=organizer_id,
            payment_window_seconds=payment_window_seconds,
            refunds_until=refunds_until,
        )
        event.validate()
        async with self._uow(write=True) as uow:
            await uow.events.add(event)
            await uow.commit()
        for tt in event.ticket_types:
            await self._sync.rebuild(tt.id, replace=True)
        return await self._view(event)

    async def ticket_type(self, ticket_type_id: UUID) -> tuple[TicketType, Event]:
        found = self._ticket_types.get(ticket_type_id)
        if found is not None:
            return found
        loading = self._loading.get(ticket_type_id)
        if loading is None:
            loading = asyncio.ensure_future(self._read_ticket_type(ticket_type_id))
            self._loading[ticket_type_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(ticket_type_id, None))
        # Shielded: a caller that gives up must not cancel the read the others wait for.
        found = await asyncio.shield(loading)
        if found is None:
            raise NotFound(f"Ticket type {ticket_type_id} does not exist.")
        return found

    async def _read_ticket_type(self, ticket_type_id: UUID) -> tuple[TicketType, Event] | None:
        async with self._uow() as uow:
            found = await uow.events.ticket_type(ticket_type_id)
        if found is not None:
            self._ticket_types[ticket_type_id] = found
        return found

    async def get_event(self, event_id: UUID) -> EventView:
        async with self._uow() as uow:
            event = await uow.events.get(event_id)
        if event is None:
            raise NotFound(f"Event {event_id} does not exist.")
        return await self._view(event)

    async def list_events(self, cursor: str | None, limit: int) -> Page[EventView]:
        async with self._uow() as uow:
            page = await uow.events.page(cursor, limit)
        return Page([await self._view(e) for e in page.items], page.next_cursor)

    async def remaining(self, ticket_types: Sequence[TicketType]) -> dict[UUID, tuple[int, int]]:
        """Remaining and version per ticket type, loading stock that is not loaded yet."""
        ids = [t.id for t in ticket_types]
        inventory = await self._stock.inventory(ids)
        missing = [tt_id for tt_id in ids if tt_id not in inventory]
        for tt_id in missing:
            await self._sync.rebuild(tt_id)
        if missing:
            inventory.update(await self._stock.inventory(missing))
        return {
            t.id: (inventory[t.id].remaining, inventory[t.id].version)
            if t.id in inventory
            else (t.capacity - t.sold, 0)
            for t in ticket_types
        }

    async def _view(self, event: Event) -> EventView:
        remaining = await self.remaining(event.ticket_types)
        return EventView(event, {tt_id: value for tt_id, (value, _) in remaining.items()})
