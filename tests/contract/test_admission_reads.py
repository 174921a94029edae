"""The booking hot path's reads outside a transaction, against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import Pool
from sqlalchemy.util import await_

from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.model import BookingStatus, Role, User
from bolttickets.services.accounts import Actor
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.stock_sync import StockSync
from tests.unit.fakes import FakeClock, FakePubSub, FakeQueue

NOW = datetime(2030, 5, 1, 12, tzinfo=UTC)
_TRANSACTION_CONTROL = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT"})


@contextlib.contextmanager
def transaction_control() -> Iterator[list[str]]:
    """The transaction control statements sent on connections opened meanwhile, as the
    driver sent them: asyncpg begins and ends transactions itself, where SQLAlchemy's
    statement events do not see it, and SQLite's trace sees every statement it runs."""
    sent: list[str] = []

    def record(statement: str) -> None:
        if statement.split(maxsplit=1)[0].rstrip(";").upper() in _TRANSACTION_CONTROL:
            sent.append(statement)

    def connected(_dbapi_connection: Any, record_: Any) -> None:
        driver = record_.driver_connection
        if isinstance(driver, asyncpg.Connection):
            driver.add_query_logger(lambda logged: record(logged.query))
        else:  # aiosqlite: the pool connects inside SQLAlchemy's greenlet
            await_(driver.set_trace_callback(record))

    sa.event.listen(Pool, "connect", connected)
    try:
        yield sent
    finally:
        sa.event.remove(Pool, "connect", connected)


@contextlib.contextmanager
def selects_from(*tables: str) -> Iterator[list[str]]:
    """The statements SQLAlchemy runs meanwhile that select from one of ``tables``."""
    ran: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if any(f"FROM {table}" in statement for table in tables):
            ran.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    try:
        yield ran
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", before)


async def test_the_look_up_of_a_tick_s_admitted_bookings_runs_no_transaction(
    database: Database,
) -> None:
    """20 bookings admitted together are looked up in one read, their buyers and keys,
    and the read costs its two statements alone: no BEGIN and ROLLBACK round trips."""
    with transaction_control() as sent:
        # Its own connections, all opened while the driver's statements are recorded.
        db = Database(database.url.render_as_string(hide_password=False))
        try:
            clock = FakeClock(datetime.now(UTC))
            stock, queue = MemoryStockStore(clock), FakeQueue()
            sync = StockSync(db.unit_of_work, stock)
            catalog = Catalog(db.unit_of_work, stock, sync, clock)
            bookings = Bookings(
                db.unit_of_work, db.reads, stock, queue, FakePubSub(), catalog, sync, clock
            )
            view = await catalog.create_event(
                "Show",
                "Hall",
                clock.now() + timedelta(days=10),
                None,
                [NewTicketType("GA", 2500, "EUR", 100, None)],
                organizer_id=None,
            )
            tt = view.event.ticket_types[0].id
            await catalog.ticket_type(tt)  # read once per process, before the rush
            buyers = [a_buyer() for _ in range(20)]
            async with db.unit_of_work(write=True) as uow:
                for buyer in buyers:
                    await uow.users.add(buyer)
                await uow.commit()
            await asyncio.sleep(0)  # asyncpg hands its log over on the loop's next turn
            sent.clear()

            with selects_from("users", "bookings") as reads:
                placed = await asyncio.gather(
                    *(bookings.place(Actor(b.id, Role.CUSTOMER), tt, 1, "k") for b in buyers)
                )
            await asyncio.sleep(0)
        finally:
            await db.dispose()
    assert [p.status for p in placed] == [BookingStatus.PENDING] * 20
    assert len(reads) == 2  # the buyers' accounts and the keys' bookings, for all 20
    assert sent == []


def a_buyer() -> User:
    return User(uuid4(), f"{uuid4().hex}@tests.bolttickets.dev", "hash", Role.CUSTOMER, NOW)


async def test_reads_see_each_commit_at_once_and_write_nothing(database: Database) -> None:
    """Outside a transaction each statement sees what was committed when it ran: there is
    no snapshot to keep a read from the row committed after the one before it."""
    buyer = a_buyer()
    async with database.reads() as reads:
        assert await reads.users.active([buyer.id]) == set()
        async with database.unit_of_work(write=True) as uow:
            await uow.users.add(buyer)
            await uow.commit()
        assert await reads.users.active([buyer.id]) == {buyer.id}
        with pytest.raises(Exception, match=r"(?i)read.?only"):
            await reads.users.set_role(buyer.id, Role.ADMIN)
    async with database.unit_of_work() as uow:
        assert await uow.users.get(buyer.id) == buyer
