"""The world the service tests share: the services over fakes and the memory stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.domain.model import Role, User
from bolttickets.services.accounts import Actor
from bolttickets.services.batch import QueuePosition, apply_batch, publish_outcome
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.stock_sync import StockSync
from tests.unit.fakes import FakeClock, FakePubSub, FakeQueue, FakeUowFactory


@dataclass
class World:
    uow: FakeUowFactory
    clock: FakeClock
    stock: MemoryStockStore
    queue: FakeQueue
    pubsub: FakePubSub
    catalog: Catalog
    bookings: Bookings
    sync: StockSync
    offset: int = 0

    async def ticket_type(
        self,
        capacity: int,
        per_user_limit: int | None = None,
        opens_in: float | None = None,
        price_cents: int = 2500,
    ) -> UUID:
        opens = self.clock.now() + timedelta(seconds=opens_in) if opens_in else None
        view = await self.catalog.create_event(
            "Show",
            "Hall",
            self.clock.now() + timedelta(days=10),
            opens,
            [NewTicketType("GA", price_cents, "EUR", capacity, per_user_limit)],
            organizer_id=None,
        )
        return view.event.ticket_types[0].id

    async def drain(self) -> None:
        """What the worker does with everything queued so far."""
        requests, self.queue.sent = self.queue.sent, []
        self.offset += len(requests)
        outcome = await apply_batch(
            self.uow, requests, QueuePosition("g", "t", {0: self.offset}), self.clock.now()
        )
        inventory = await self.stock.settle(outcome.settlements)
        await publish_outcome(self.pubsub, outcome, inventory)

    def buyer(self, role: Role = Role.CUSTOMER) -> Actor:
        """A buyer with an account: a booking is refused for an account the database lacks."""
        user = User(uuid4(), f"{uuid4().hex}@example.com", "hash", role, self.clock.now())
        self.uow.data.users[user.id] = user
        return Actor(user.id, role)

    async def remaining(self, tt_id: UUID) -> int:
        return (await self.stock.inventory([tt_id]))[tt_id].remaining

    def sold(self, tt_id: UUID) -> int:
        return self.uow.data.ticket_types[tt_id].sold


@pytest.fixture
def world() -> World:
    uow, clock, queue, pubsub = FakeUowFactory(), FakeClock(), FakeQueue(), FakePubSub()
    stock = MemoryStockStore(clock)
    sync = StockSync(uow, stock)
    catalog = Catalog(uow, stock, sync, clock)
    bookings = Bookings(uow, uow, stock, queue, pubsub, catalog, sync, clock)
    return World(uow, clock, stock, queue, pubsub, catalog, bookings, sync)
