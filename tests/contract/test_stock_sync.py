"""StockSync and the sweeper on PostgreSQL and Redis: what a Redis loss and a big sale do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
import redis.asyncio as aioredis

from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import RedisStockStore
from bolttickets.adapters.redis_substocks import RedisSubStockStore
from bolttickets.adapters.sqlalchemy.database import Database, SqlUnitOfWork
from bolttickets.domain.errors import PerUserLimitReached
from bolttickets.domain.model import BookingStatus, Role, User
from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.accounts import Actor
from bolttickets.services.batch import QueuePosition, apply_batch
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import StockLoad, StockStore
from bolttickets.services.stock_sync import StockSync
from bolttickets.services.sweeper import Swept, resend_stale_holds
from tests.contract.test_stock_store import fresh_store
from tests.unit.fakes import FakePubSub, FakeQueue

HOUR = timedelta(hours=1)


@pytest.fixture
async def stock(redis_client: aioredis.Redis) -> AsyncIterator[RedisStockStore]:
    namespace = f"bolt-test-{uuid4().hex}"
    store = RedisStockStore(redis_client, namespace)
    await store.start()
    yield store
    async for key in redis_client.scan_iter(match=f"{namespace}:*", count=1000):
        await redis_client.unlink(key)


@pytest.fixture
async def stock_k3(redis_cluster_client: RedisClient) -> AsyncIterator[RedisSubStockStore]:
    async with fresh_store(redis_cluster_client, single_node=False, sub_stocks=3) as store:
        assert isinstance(store, RedisSubStockStore)
        yield store


@pytest.fixture(params=["stock", "stock_k3"], ids=["redis", "redis_cluster_k3"])
def any_stock(request: pytest.FixtureRequest) -> RedisStockStore | RedisSubStockStore:
    """The stock on one Redis, or split into 3 sub-stocks on the cluster."""
    store: RedisStockStore | RedisSubStockStore = request.getfixturevalue(request.param)
    return store


async def lose_stock(stock: RedisStockStore | RedisSubStockStore, tt: UUID) -> None:
    """The stock hash of the ticket type (of each sub-stock) is gone; the rest survives."""
    if isinstance(stock, RedisSubStockStore):
        keys = [stock.sub_stock_keys(tt, i).stock for i in range(stock.sub_stocks)]
    else:
        keys = [f"{stock._ns}:{{{tt}}}:stock"]
    await asyncio.gather(*(stock._redis.delete(key) for key in keys))


async def new_ticket_type(
    db: Database, stock: StockStore, capacity: int, per_user_limit: int | None = None
) -> UUID:
    clock = SystemClock()
    catalog = Catalog(db.unit_of_work, stock, StockSync(db.unit_of_work, stock), clock)
    view = await catalog.create_event(
        "Show",
        "Hall",
        clock.now() + 24 * HOUR,
        None,
        [NewTicketType("GA", 100, "EUR", capacity, per_user_limit)],
        organizer_id=None,
    )
    return view.event.ticket_types[0].id


def hold(tt: UUID, created_at: datetime | None = None) -> BookingRequest:
    return BookingRequest(
        booking_id=uuid4(),
        user_id=uuid4(),
        event_id=uuid4(),
        ticket_type_id=tt,
        quantity=1,
        unit_price_cents=100,
        currency="EUR",
        idempotency_key=None,
        fingerprint=fingerprint(tt, 1),
        created_at=created_at or datetime.now(UTC),
    )


def stock_load(tt: UUID, remaining: int, holds: list[BookingRequest]) -> StockLoad:
    now = datetime.now(UTC)
    return StockLoad(tt, uuid4(), remaining, None, None, now + 24 * HOUR, {}, {}, holds)


async def remaining(stock: StockStore, tt: UUID) -> int:
    return (await stock.inventory([tt]))[tt].remaining


async def test_reconcile_past_the_driver_parameter_limit(
    postgres_database: Database, any_stock: RedisStockStore | RedisSubStockStore
) -> None:
    stock = any_stock
    """asyncpg takes 32,767 parameters a statement; a big sale has more holds than that."""
    holds_count = 33_000
    tt = await new_ticket_type(postgres_database, stock, 40_000)
    holds = [hold(tt) for _ in range(holds_count)]
    assert await stock.load(stock_load(tt, 0, holds), replace=True)

    assert await StockSync(postgres_database.unit_of_work, stock).reconcile(tt)

    assert await remaining(stock, tt) == 40_000 - holds_count


async def test_rebuilds_after_a_loss_are_single_flight(
    postgres_database: Database, any_stock: RedisStockStore | RedisSubStockStore
) -> None:
    stock = any_stock
    tt = await new_ticket_type(postgres_database, stock, 10)
    await lose_stock(stock, tt)
    loads = 0

    def counting(*, write: bool = False) -> SqlUnitOfWork:
        nonlocal loads
        loads += 1
        return postgres_database.unit_of_work(write=write)

    sync = StockSync(counting, stock)
    assert all(await asyncio.gather(*(sync.rebuild(tt) for _ in range(50))))

    assert loads == 1
    assert await remaining(stock, tt) == 10


async def test_a_rebuild_keeps_the_holds_that_survived(
    postgres_database: Database, any_stock: RedisStockStore | RedisSubStockStore
) -> None:
    """A hold of a request answered 503 is sent by the sweeper later: a load must not wipe
    it, and must count it."""
    stock = any_stock
    tt = await new_ticket_type(postgres_database, stock, 10)
    live = hold(tt)
    await stock.reserve(live)
    await lose_stock(stock, tt)

    assert await StockSync(postgres_database.unit_of_work, stock).rebuild(tt)

    assert await stock.get_hold(live.booking_id) == live
    assert await remaining(stock, tt) == 9


async def test_the_sweeper_sends_only_holds_of_ticket_types_its_database_knows(
    postgres_database: Database, stock: RedisStockStore
) -> None:
    ours = await new_ticket_type(postgres_database, stock, 10)
    foreign = uuid4()  # left in this Redis by another database
    old = datetime.now(UTC) - HOUR
    mine = hold(ours, old)
    await stock.load(stock_load(ours, 9, [mine]), replace=True)
    await stock.load(stock_load(foreign, 0, [hold(foreign, old) for _ in range(5)]))
    queue = FakeQueue()

    swept = await resend_stale_holds(
        postgres_database.unit_of_work, stock, queue, SystemClock(), timedelta(seconds=5)
    )

    assert swept == Swept(sent=1, foreign=1)
    assert queue.sent == [mine]  # none of the five foreign holds


class ReleaseFailsOnce:
    """The stock store of a process that dies (or loses Redis) right after the cancel
    committed: the first give-back never happens."""

    def __init__(self, stock: RedisStockStore) -> None:
        self._stock = stock
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stock, name)

    async def release(self, *args: Any) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("the process died before giving the stock back")
        await self._stock.release(*args)


async def _cancel_that_fails_after_its_commit(
    db: Database, stock: RedisStockStore, tt: UUID
) -> tuple[Bookings, StockSync, Actor, UUID]:
    """A buyer at their limit of one ticket cancels it; the give-back fails."""
    user = User(
        uuid4(), f"{uuid4().hex}@tests.bolttickets.dev", "x", Role.CUSTOMER, datetime.now(UTC)
    )
    async with db.unit_of_work(write=True) as uow:
        await uow.users.add(user)
        await uow.commit()
    clock, queue, pubsub = SystemClock(), FakeQueue(), FakePubSub()
    broken = cast(StockStore, ReleaseFailsOnce(stock))
    sync = StockSync(db.unit_of_work, broken)
    bookings = Bookings(
        db.unit_of_work,
        db.reads,
        broken,
        queue,
        pubsub,
        Catalog(db.unit_of_work, broken, sync, clock),
        sync,
        clock,
    )
    actor = Actor(user.id, Role.CUSTOMER)
    placed = await bookings.place(actor, tt, 1, None)
    outcome = await apply_batch(
        db.unit_of_work, queue.sent, QueuePosition("g", "t", {0: 1}), datetime.now(UTC)
    )
    await stock.settle(outcome.settlements)
    with pytest.raises(ConnectionError):
        await bookings.cancel(actor, placed.booking_id)
    return bookings, sync, actor, placed.booking_id


async def test_a_lost_give_back_comes_back_by_the_round_robin(
    postgres_database: Database, stock: RedisStockStore
) -> None:
    tt = await new_ticket_type(postgres_database, stock, 1, per_user_limit=1)
    bookings, sync, actor, _ = await _cancel_that_fails_after_its_commit(
        postgres_database, stock, tt
    )
    assert await remaining(stock, tt) == 0  # sold out, though the database has it free
    with pytest.raises(PerUserLimitReached):  # and the buyer still counted at their limit
        await bookings.place(actor, tt, 1, None)

    # Nobody books a sold-out type, so the worker never touches it: the walk must reach it.
    assert await sync.reconcile_round(set(), SystemClock()) == set()

    assert await remaining(stock, tt) == 1
    assert (await bookings.place(actor, tt, 1, None)).status is BookingStatus.PENDING


async def test_a_retried_cancel_finishes_the_give_back(
    postgres_database: Database, stock: RedisStockStore
) -> None:
    tt = await new_ticket_type(postgres_database, stock, 2, per_user_limit=1)
    bookings, _, actor, booking_id = await _cancel_that_fails_after_its_commit(
        postgres_database, stock, tt
    )

    retried = await bookings.cancel(actor, booking_id)

    assert retried.status is BookingStatus.CANCELLED
    assert (await bookings.place(actor, tt, 1, None)).status is BookingStatus.PENDING


class ReconcileFirst:
    """A reconcile lands between the cancel's commit and its give-back: it snapshots the
    stock, reads the database with the cancel in it, and its compare-and-set succeeds."""

    def __init__(self, stock: RedisStockStore, sync: StockSync) -> None:
        self._stock = stock
        self._sync = sync

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stock, name)

    async def release(self, *args: Any) -> None:
        assert await self._sync.reconcile(args[0])
        await self._stock.release(*args)


async def test_a_cancel_is_given_back_once_when_a_reconcile_read_it_first(
    postgres_database: Database, stock: RedisStockStore
) -> None:
    db = postgres_database
    tt = await new_ticket_type(db, stock, 1)
    user = User(
        uuid4(), f"{uuid4().hex}@tests.bolttickets.dev", "x", Role.CUSTOMER, datetime.now(UTC)
    )
    async with db.unit_of_work(write=True) as uow:
        await uow.users.add(user)
        await uow.commit()
    clock, queue = SystemClock(), FakeQueue()
    sync = StockSync(db.unit_of_work, stock)
    racing = cast(StockStore, ReconcileFirst(stock, sync))
    bookings = Bookings(
        db.unit_of_work,
        db.reads,
        racing,
        queue,
        FakePubSub(),
        Catalog(db.unit_of_work, racing, sync, clock),
        sync,
        clock,
    )
    actor = Actor(user.id, Role.CUSTOMER)
    placed = await bookings.place(actor, tt, 1, None)
    outcome = await apply_batch(
        db.unit_of_work, queue.sent, QueuePosition("g", "t", {0: 1}), datetime.now(UTC)
    )
    await stock.settle(outcome.settlements)

    await bookings.cancel(actor, placed.booking_id)

    assert await remaining(stock, tt) == 1  # capacity 1: never 2
