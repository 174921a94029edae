"""A waiting-list offer's pass (bound to its buyer, event and ticket type; a room's pass is
no offer, an offer's pass admits to the room), and the service with the ticker's sweep on the
embedded adapters with a clock of our own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.memory_waiting_list import MemoryWaitingListStore
from bolttickets.adapters.memory_waiting_room import MemoryWaitingRoomStore
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import NotSoldOut, WaitingListRequired
from bolttickets.domain.model import Event, Role
from bolttickets.domain.requests import BookingRequest, booking_id_for, fingerprint
from bolttickets.services.accounts import Actor
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.ports import Admission, Settlement
from bolttickets.services.room_ticker import RoomTicker
from bolttickets.services.stock_sync import StockSync
from bolttickets.services.waiting_list import WaitingLists
from bolttickets.services.waiting_room import WaitingRooms
from tests.unit.fakes import FakeClock

SECRET = b"unit-test-admission-pass-secret-0123456789"
START = datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_an_offer_books_its_buyer_one_ticket_type_of_its_event_until_it_expires() -> None:
    passes = AdmissionPasses(SECRET)
    user, event, ticket_type = uuid4(), uuid4(), uuid4()
    offer = passes.issue(user, event, datetime.now(UTC) + timedelta(minutes=10), ticket_type)

    passes.verify_offer(offer, user, event, ticket_type)
    passes.verify(offer, user, event)  # the same buyer and event: it admits to the room too

    for other in (
        (uuid4(), event, ticket_type),
        (user, uuid4(), ticket_type),
        (user, event, uuid4()),
    ):
        with pytest.raises(WaitingListRequired, match="not your offer"):
            passes.verify_offer(offer, *other)
    room_pass = passes.issue(user, event, datetime.now(UTC) + timedelta(minutes=10))
    with pytest.raises(WaitingListRequired, match="not your offer"):
        passes.verify_offer(room_pass, user, event, ticket_type)
    lapsed = passes.issue(user, event, datetime.now(UTC) - timedelta(seconds=5), ticket_type)
    with pytest.raises(WaitingListRequired, match="expired"):
        passes.verify_offer(lapsed, user, event, ticket_type)
    with pytest.raises(WaitingListRequired):
        AdmissionPasses(b"another-secret-another-secret-00").verify_offer(
            offer, user, event, ticket_type
        )


# --- the service and the ticker's sweep, on the embedded adapters with a clock of our own ---


@dataclass
class ListWorld:
    clock: FakeClock
    stock: MemoryStockStore
    catalog: Catalog
    lists: WaitingLists
    ticker: RoomTicker

    async def sold_out(self, capacity: int) -> tuple[Event, list[BookingRequest]]:
        view = await self.catalog.create_event(
            "Gig",
            "Hall",
            START + timedelta(days=1),
            START,
            [NewTicketType("GA", 1000, "EUR", capacity, None)],
            organizer_id=None,
        )
        tt = view.event.ticket_types[0]
        holds = []
        for _ in range(capacity):
            user = uuid4()
            request = BookingRequest(
                booking_id_for(user, None),
                user,
                view.event.id,
                tt.id,
                1,
                tt.price_cents,
                tt.currency,
                None,
                fingerprint(tt.id, 1),
                self.clock.now(),
            )
            assert await self.stock.reserve(request) is Admission.RESERVED
            holds.append(request)
        return view.event, holds

    async def states(self, event: Event, buyers: list[Actor]) -> list[str]:
        places = [(await self.lists.mine(b, event.id))[0].place for b in buyers]
        return [p.state.value for p in places]


@pytest.fixture
async def world(sqlite_database: Database) -> AsyncIterator[ListWorld]:
    clock = FakeClock(START + timedelta(minutes=1))
    stock, pubsub = MemoryStockStore(clock), MemoryPubSub()
    uow = sqlite_database.unit_of_work
    catalog = Catalog(uow, stock, StockSync(uow, stock), clock)
    passes = AdmissionPasses(SECRET)
    rooms = WaitingRooms(uow, MemoryWaitingRoomStore(clock), pubsub, passes, clock)
    lists = WaitingLists(
        uow, MemoryWaitingListStore(clock), catalog, pubsub, passes, clock, offer_ttl_seconds=60
    )
    await lists.start()
    ticker = RoomTicker(
        rooms, MemoryWaitingRoomStore(clock), catalog, pubsub, clock, every=0.5, lists=lists
    )
    yield ListWorld(clock, stock, catalog, lists, ticker)
    await lists.stop()


def buyers(count: int) -> list[Actor]:
    return [Actor(uuid4(), Role.CUSTOMER) for _ in range(count)]


async def test_a_return_is_offered_up_to_its_count_and_the_sweep_offers_what_no_hook_told(
    world: ListWorld,
) -> None:
    event, holds = await world.sold_out(3)
    tt = event.ticket_types[0].id
    waiting = buyers(5)
    for buyer in waiting:
        await world.lists.join(buyer, event.id, tt)
    assert world.lists.check_offer(event.id, uuid4(), waiting[0].user_id, None, 1) is False
    with pytest.raises(WaitingListRequired):
        world.lists.check_offer(event.id, tt, waiting[0].user_id, None, 1)

    # Two tickets come back; the hook is told of one of them only.
    await world.stock.settle([Settlement(h, confirmed=False) for h in holds[:2]])
    await world.lists.stock_returned(tt, 1)
    assert await world.states(event, waiting) == ["offered"] + ["waiting"] * 4

    assert await world.ticker.tick()
    assert await world.states(event, waiting) == ["offered"] * 2 + ["waiting"] * 3
    assert await world.ticker.tick()  # nothing more came back: nobody else is offered
    assert await world.states(event, waiting) == ["offered"] * 2 + ["waiting"] * 3

    # Not taken within the event's offer lifetime: both pass to the next two.
    world.clock.advance(61)
    assert await world.ticker.tick()
    assert await world.states(event, waiting) == ["lapsed"] * 2 + ["offered"] * 2 + ["waiting"]
    [counts] = await world.lists.overview(Actor(uuid4(), Role.ADMIN), event.id)
    assert (counts.waiting, counts.offered, counts.lapsed) == (1, 2, 2)


async def test_joining_a_ticket_type_on_sale_is_refused(world: ListWorld) -> None:
    event, holds = await world.sold_out(1)
    await world.stock.settle([Settlement(holds[0], confirmed=False)])

    with pytest.raises(NotSoldOut):
        await world.lists.join(buyers(1)[0], event.id, event.ticket_types[0].id)
