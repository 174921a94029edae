"""The waiting room's arithmetic, its passes, and its service and ticker on the embedded
adapters (SQLite, memory stock, memory room store and pub/sub) with a clock of our own."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
import pytest

from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.memory_waiting_room import MemoryWaitingRoomStore
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import (
    DatabaseUnavailable,
    Forbidden,
    InvalidWaitingRoom,
    NotFound,
    WaitingRoomNotOpen,
    WaitingRoomRequired,
)
from bolttickets.domain.model import Event, Role, User
from bolttickets.domain.requests import BookingRequest, booking_id_for, fingerprint
from bolttickets.domain.waiting_room import (
    RoomSettings,
    RoomState,
    TickMark,
    automatic_admissions,
    estimated_wait_seconds,
    measured_rate,
    outstanding,
    position,
    trimmed,
)
from bolttickets.services.accounts import Actor
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.messages import UPDATES_CHANNEL, InventoryUpdate, encode_update
from bolttickets.services.ports import Admission
from bolttickets.services.room_ticker import RoomTicker
from bolttickets.services.stock_sync import StockSync
from bolttickets.services.waiting_room import ROOMS_CHANNEL, WaitingRooms
from tests.support import eventually
from tests.unit.fakes import FakeClock

START = datetime(2030, 1, 1, 12, tzinfo=UTC)
SECRET = b"unit-test-admission-secret-0123456789"

# --- arithmetic -----------------------------------------------------------------------------


def test_position_counts_the_places_ahead_including_ones_own() -> None:
    assert position(10, 7) == 3
    assert position(7, 7) == 0
    assert position(3, 7) == 0


def test_the_estimated_wait_follows_the_rate_and_is_unknown_without_one() -> None:
    assert estimated_wait_seconds(30, 60.0) == 30
    assert estimated_wait_seconds(1, 7.0) == 9  # 8.57 s, rounded up
    assert estimated_wait_seconds(5, None) is None
    assert estimated_wait_seconds(5, 0.0) is None
    assert estimated_wait_seconds(0, None) == 0


def test_the_automatic_rate_never_lets_in_more_than_remain_times_the_factor() -> None:
    assert automatic_admissions(outstanding=0, remaining=100, factor=1.0) == 100
    assert automatic_admissions(outstanding=40, remaining=100, factor=1.0) == 60
    assert automatic_admissions(outstanding=150, remaining=100, factor=1.5) == 0
    assert automatic_admissions(outstanding=0, remaining=3, factor=1.5) == 5
    assert automatic_admissions(outstanding=10, remaining=0, factor=2.0) == 0


def test_outstanding_is_admitted_within_the_window_less_bought() -> None:
    history = [TickMark(0, 100, 20), TickMark(5, 130, 25)]
    assert outstanding(history, now_serving=150, bought=40, since=3) == (150 - 100) - (40 - 20)
    assert outstanding(history, now_serving=150, bought=40, since=5) == (150 - 130) - (40 - 25)
    assert outstanding(history, now_serving=10, bought=4, since=-1) == 6  # a young room
    assert outstanding(history, now_serving=100, bought=90, since=3) == 0


def test_the_rate_is_measured_over_the_window() -> None:
    history = [TickMark(0, 0, 0), TickMark(60, 60, 0), TickMark(90, 120, 0)]
    assert measured_rate(history, 30) == 120.0
    assert measured_rate(history, 120) == 80.0
    assert measured_rate(history[:1], 60) is None
    assert measured_rate([], 60) is None


def test_trimming_keeps_the_window_and_one_mark_before_it() -> None:
    history = [TickMark(t, t, 0) for t in (0, 10, 20, 30)]
    assert trimmed(history, now=30, keep_seconds=15) == history[1:]
    assert trimmed(history, now=100, keep_seconds=15) == history[3:]


def sample_event(sale_starts_at: datetime | None = START) -> Event:
    return Event(uuid4(), "Gig", "Hall", START + timedelta(days=1), sale_starts_at, START)


@pytest.mark.parametrize(
    ("opens_at", "per_minute", "ttl", "factor", "wrong"),
    [
        (START, None, 600, 1.0, "before the sale starts"),
        (START - timedelta(hours=1), 0, 600, 1.0, "admit_per_minute"),
        (START - timedelta(hours=1), None, 0, 1.0, "pass_ttl_seconds"),
        (START - timedelta(hours=1), None, 600, 0.0, "automatic_factor"),
        (START + timedelta(days=2), None, 600, 1.0, "before the sale starts"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    opens_at: datetime, per_minute: int | None, ttl: int, factor: float, wrong: str
) -> None:
    room = RoomSettings(uuid4(), opens_at, per_minute, ttl, factor)
    with pytest.raises(InvalidWaitingRoom, match=wrong):
        room.validate(sample_event())


def test_the_lottery_is_at_the_sale_start_or_the_opening() -> None:
    room = RoomSettings(uuid4(), START - timedelta(hours=1), None)
    assert room.lottery_at(sample_event()) == START
    assert room.lottery_at(sample_event(sale_starts_at=None)) == room.opens_at


# --- passes ---------------------------------------------------------------------------------


def test_a_pass_admits_its_buyer_to_its_event_until_it_expires() -> None:
    passes = AdmissionPasses(SECRET)
    user, event = uuid4(), uuid4()
    token = passes.issue(user, event, datetime.now(UTC) + timedelta(minutes=10))

    passes.verify(token, user, event)

    for other_user, other_event in ((uuid4(), event), (user, uuid4())):
        with pytest.raises(WaitingRoomRequired, match="another"):
            passes.verify(token, other_user, other_event)
    expired = passes.issue(user, event, datetime.now(UTC) - timedelta(seconds=5))
    with pytest.raises(WaitingRoomRequired, match="expired"):
        passes.verify(expired, user, event)
    with pytest.raises(WaitingRoomRequired, match="not valid"):
        AdmissionPasses(b"another-secret-another-secret-00").verify(token, user, event)
    with pytest.raises(WaitingRoomRequired, match="not valid"):
        passes.verify("not-a-pass", user, event)


# --- the service and the ticker ------------------------------------------------------------


@dataclass
class RoomWorld:
    db: Database
    clock: FakeClock
    stock: MemoryStockStore
    store: MemoryWaitingRoomStore
    pubsub: MemoryPubSub
    catalog: Catalog
    rooms: WaitingRooms
    ticker: RoomTicker
    organizer: Actor

    async def event(self, capacity: int = 10) -> Event:
        view = await self.catalog.create_event(
            "Gig",
            "Hall",
            START + timedelta(days=1),
            START,
            [NewTicketType("GA", 1000, "EUR", capacity, None)],
            organizer_id=self.organizer.user_id,
        )
        return view.event

    async def room(self, per_minute: int | None = None, capacity: int = 10) -> Event:
        event = await self.event(capacity)
        opens = START - timedelta(hours=1)
        await self.rooms.configure(self.organizer, RoomSettings(event.id, opens, per_minute))
        return event

    async def buyer(self) -> Actor:
        return await add_user(self.db, Role.CUSTOMER, self.clock.now())

    async def sell(self, event: Event, count: int) -> None:
        tt = event.ticket_types[0]
        for _ in range(count):
            user = uuid4()
            admission = await self.stock.reserve(
                BookingRequest(
                    booking_id_for(user, None),
                    user,
                    event.id,
                    tt.id,
                    1,
                    tt.price_cents,
                    tt.currency,
                    None,
                    fingerprint(tt.id, 1),
                    self.clock.now(),
                )
            )
            assert admission is Admission.RESERVED


async def add_user(db: Database, role: Role, now: datetime) -> Actor:
    user = User(uuid4(), f"{uuid4().hex}@example.com", "hash", role, now)
    async with db.unit_of_work(write=True) as uow:
        await uow.users.add(user)
        await uow.commit()
    return Actor(user.id, role)


@pytest.fixture
async def world(sqlite_database: Database) -> AsyncIterator[RoomWorld]:
    clock = FakeClock(START - timedelta(minutes=30))
    stock, store, pubsub = MemoryStockStore(clock), MemoryWaitingRoomStore(clock), MemoryPubSub()
    catalog = Catalog(
        sqlite_database.unit_of_work, stock, StockSync(sqlite_database.unit_of_work, stock), clock
    )
    rooms = WaitingRooms(
        sqlite_database.unit_of_work,
        store,
        pubsub,
        AdmissionPasses(SECRET),
        clock,
        random.Random(7),
    )
    await rooms.start()
    ticker = RoomTicker(rooms, store, catalog, pubsub, clock, every=0.5)
    organizer = await add_user(sqlite_database, Role.ORGANIZER, clock.now())
    yield RoomWorld(sqlite_database, clock, stock, store, pubsub, catalog, rooms, ticker, organizer)
    await rooms.stop()


async def test_only_the_events_organizer_or_an_admin_sets_its_room(world: RoomWorld) -> None:
    event = await world.event()
    room = RoomSettings(event.id, START - timedelta(hours=1), 60)
    other = await add_user(world.db, Role.ORGANIZER, world.clock.now())

    with pytest.raises(Forbidden):
        await world.rooms.configure(other, room)
    admin = await add_user(world.db, Role.ADMIN, world.clock.now())
    assert await world.rooms.configure(admin, room) == room
    assert world.rooms.room_of(event.id) == room


async def test_a_room_is_joined_only_while_open(world: RoomWorld) -> None:
    event = await world.event()
    buyer = await world.buyer()
    with pytest.raises(NotFound):
        await world.rooms.join(buyer, event.id)
    await world.rooms.configure(
        world.organizer, RoomSettings(event.id, START - timedelta(minutes=10), None)
    )

    with pytest.raises(WaitingRoomNotOpen):
        await world.rooms.join(buyer, event.id)
    with pytest.raises(NotFound):
        await world.rooms.me(buyer, event.id)


async def test_before_the_start_a_buyer_waits_without_a_number(world: RoomWorld) -> None:
    event = await world.room()
    buyer = await world.buyer()

    joined = await world.rooms.join(buyer, event.id)

    assert joined.state is RoomState.WAITING
    assert (joined.number, joined.position, joined.admission_pass) == (None, None, None)
    assert await world.rooms.me(buyer, event.id) == joined


async def test_at_the_start_the_lottery_numbers_everyone_then_latecomers_queue(
    world: RoomWorld,
) -> None:
    event = await world.room(per_minute=60)
    early = [await world.buyer() for _ in range(5)]
    for buyer in early:
        await world.rooms.join(buyer, event.id)
    world.clock.current = START

    late = await world.buyer()
    joined = await world.rooms.join(late, event.id)  # runs the lottery first

    numbers = sorted([(await world.rooms.me(b, event.id)).number or 0 for b in early])
    assert numbers == [1, 2, 3, 4, 5]
    assert joined.number == 6 and joined.position == 6
    assert (await world.rooms.join(late, event.id)).number == 6


async def test_a_fixed_rate_admits_in_order_and_hands_out_a_pass(world: RoomWorld) -> None:
    event = await world.room(per_minute=60)
    buyers = [await world.buyer() for _ in range(3)]
    world.clock.current = START
    for buyer in buyers:
        await world.rooms.join(buyer, event.id)  # after the start: in arrival order

    assert await world.ticker.tick()
    world.clock.advance(2)  # 60 a minute: two more
    await world.ticker.tick()

    views = [await world.rooms.me(b, event.id) for b in buyers]
    assert [v.state for v in views] == [RoomState.ADMITTED] * 2 + [RoomState.WAITING]
    assert views[2].position == 1 and views[2].estimated_wait_seconds == 1
    assert views[0].admission_pass is not None
    assert world.rooms.check_pass(event.id, buyers[0].user_id, views[0].admission_pass)
    with pytest.raises(WaitingRoomRequired):
        world.rooms.check_pass(event.id, buyers[2].user_id, views[0].admission_pass)
    with pytest.raises(WaitingRoomRequired):
        world.rooms.check_pass(event.id, buyers[2].user_id, None)
    assert not world.rooms.check_pass(uuid4(), buyers[2].user_id, None)  # no room


async def test_a_pass_never_outlives_its_first_issue(world: RoomWorld) -> None:
    event = await world.room(per_minute=600)
    buyer = await world.buyer()
    world.clock.current = START
    await world.rooms.join(buyer, event.id)
    await world.ticker.tick()
    world.clock.advance(1)
    await world.ticker.tick()
    first = await world.rooms.me(buyer, event.id)

    world.clock.advance(300)
    again = await world.rooms.me(buyer, event.id)
    world.clock.advance(301)
    lapsed = await world.rooms.me(buyer, event.id)

    assert first.state is again.state is RoomState.ADMITTED
    assert again.pass_expires_at == first.pass_expires_at
    assert lapsed.state is RoomState.CLOSED and lapsed.admission_pass is None


async def test_the_automatic_rate_admits_what_remains_and_waits_for_buyers(
    world: RoomWorld,
) -> None:
    event = await world.room(per_minute=None, capacity=3)
    buyers = [await world.buyer() for _ in range(6)]
    world.clock.current = START
    for buyer in buyers:
        await world.rooms.join(buyer, event.id)

    await world.ticker.tick()
    assert (await world.store.counters(event.id)).now_serving == 3
    world.clock.advance(1)
    await world.ticker.tick()
    assert (await world.store.counters(event.id)).now_serving == 3  # nobody bought yet

    await world.sell(event, 1)  # one ticket fewer, and its buyer is served
    await world.rooms.bought(event.id, buyers[0].user_id)
    world.clock.advance(1)
    await world.ticker.tick()
    # Two tickets left, two admitted who have not bought: nobody more.
    assert (await world.store.counters(event.id)).now_serving == 3

    await world.rooms.bought(event.id, buyers[1].user_id)  # bought without the stock moving
    world.clock.advance(1)
    await world.ticker.tick()
    assert (await world.store.counters(event.id)).now_serving == 4


async def test_a_sell_out_is_broadcast_admission_stops_and_resumes_with_stock(
    world: RoomWorld,
) -> None:
    event = await world.room(per_minute=6000, capacity=2)
    subscription = await world.pubsub.subscribe(ROOMS_CHANNEL)
    messages = aiter(subscription)
    buyers = [await world.buyer() for _ in range(5)]
    world.clock.current = START
    for buyer in buyers:
        await world.rooms.join(buyer, event.id)
    await world.ticker.tick()
    first = orjson.loads(await asyncio.wait_for(anext(messages), 30))

    await world.sell(event, 2)
    world.clock.advance(10)
    await world.ticker.tick()
    sold_out = orjson.loads(await asyncio.wait_for(anext(messages), 30))

    assert first == {
        "type": "waiting_room",
        "event_id": str(event.id),
        "state": "waiting",
        "now_serving": 0,
        "admit_per_minute": 6000,
    }
    assert sold_out["state"] == "sold_out" and sold_out["now_serving"] == 0
    assert (await world.rooms.me(buyers[4], event.id)).state is RoomState.SOLD_OUT

    # A ticket comes back (a cancellation, a rejected hold): admission resumes.
    tt = event.ticket_types[0].id
    version = (await world.stock.inventory([tt]))[tt].version
    assert await world.stock.compare_and_set(tt, version, 1)
    world.clock.advance(1)
    await world.ticker.tick()
    resumed = orjson.loads(await asyncio.wait_for(anext(messages), 30))
    assert resumed["state"] == "waiting" and resumed["now_serving"] == 5
    await subscription.close()


async def test_only_the_lease_holder_ticks(world: RoomWorld) -> None:
    other = RoomTicker(
        world.rooms, world.store, world.catalog, world.pubsub, world.clock, every=0.5
    )

    assert await world.ticker.tick()
    assert not await other.tick()
    assert await world.ticker.tick()


async def test_a_room_set_on_one_process_is_known_to_every_other(
    world: RoomWorld, sqlite_database: Database
) -> None:
    elsewhere = WaitingRooms(
        sqlite_database.unit_of_work,
        world.store,
        world.pubsub,
        AdmissionPasses(SECRET),
        world.clock,
    )
    await elsewhere.start()
    try:
        event = await world.room()

        async def known() -> RoomSettings | None:
            return elsewhere.room_of(event.id)

        await eventually(known, lambda room: room is not None)
    finally:
        await elsewhere.stop()


async def test_once_the_event_starts_the_room_is_closed_to_everyone(world: RoomWorld) -> None:
    event = await world.room(per_minute=60)
    buyer = await world.buyer()
    await world.rooms.join(buyer, event.id)
    world.clock.current = event.starts_at
    await world.rooms.refresh()  # every process forgets the rooms of started events

    assert (await world.rooms.me(buyer, event.id)).state is RoomState.CLOSED
    with pytest.raises(WaitingRoomNotOpen, match="started"):
        await world.rooms.join(buyer, event.id)
    assert not world.rooms.check_pass(event.id, buyer.user_id, None)


async def test_the_ticker_goes_on_admitting_while_the_database_is_down(
    world: RoomWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = await world.room(per_minute=None, capacity=2)
    buyers = [await world.buyer() for _ in range(3)]
    world.clock.current = START
    for buyer in buyers:
        await world.rooms.join(buyer, event.id)

    async def unavailable() -> None:
        raise DatabaseUnavailable("down for the test")

    monkeypatch.setattr(world.rooms, "refresh", unavailable)
    ticker = RoomTicker(
        world.rooms, world.store, world.catalog, world.pubsub, world.clock, every=0.05
    )
    running = asyncio.create_task(ticker.run())
    try:
        serving = await eventually(
            lambda: world.store.counters(event.id), lambda c: c.now_serving == 2, timeout=30
        )
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert serving.assigned == 3


async def test_the_organizer_watches_the_room_even_when_turned_off(world: RoomWorld) -> None:
    event = await world.room(per_minute=60)
    for _ in range(3):
        await world.rooms.join(await world.buyer(), event.id)
    settings = world.rooms.room_of(event.id)
    assert settings is not None
    await world.rooms.configure(world.organizer, replace(settings, enabled=False))

    overview = await world.rooms.overview(world.organizer, event.id)

    assert overview.settings.enabled is False
    assert (overview.pre_queued, overview.numbered, overview.waiting) == (3, 0, 3)
    with pytest.raises(Forbidden):
        await world.rooms.overview(await world.buyer(), event.id)
    with pytest.raises(NotFound):
        await world.rooms.overview(world.organizer, (await world.event()).id)


async def test_a_sell_out_wakes_the_ticker_at_once(world: RoomWorld) -> None:
    event = await world.room(per_minute=60, capacity=1)
    world.clock.current = START
    frames = await world.pubsub.subscribe(ROOMS_CHANNEL)
    received = aiter(frames)
    # A tick an hour apart: only the wake can tick again within the test.
    ticker = RoomTicker(
        world.rooms, world.store, world.catalog, world.pubsub, world.clock, every=3600
    )
    running = asyncio.create_task(ticker.run())
    try:
        first = orjson.loads(await asyncio.wait_for(anext(received), 30))
        await world.sell(event, 1)
        tt = event.ticket_types[0].id
        inventory = (await world.stock.inventory([tt]))[tt]
        await world.pubsub.publish(
            UPDATES_CHANNEL, encode_update([InventoryUpdate(event.id, inventory)], [])
        )
        told = orjson.loads(await asyncio.wait_for(anext(received), 30))
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await frames.close()
    assert (first["state"], told["state"]) == ("waiting", "sold_out")
