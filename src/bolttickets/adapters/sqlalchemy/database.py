"""Engines, the unit of work and the reads outside a transaction, tuned per dialect.

SQLite allows one writer: writes go through a single connection that takes the write lock
when its transaction begins (BEGIN IMMEDIATE), so a transaction never fails half-way on a
lock upgrade; reads use other connections and see WAL snapshots.

Reads that need no common snapshot have connections of their own that autocommit and
refuse writes: a read there costs its statements alone, no BEGIN and ROLLBACK round trips
(nor a transaction around the pool's pre-ping on PostgreSQL).
"""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bolttickets.adapters.sqlalchemy.errors import translated
from bolttickets.adapters.sqlalchemy.repositories import (
    SqlApiKeys,
    SqlAudit,
    SqlBookings,
    SqlEvents,
    SqlOffsets,
    SqlPaymentEvents,
    SqlUsers,
    SqlWaitingRooms,
)
from bolttickets.adapters.sqlalchemy.ticket_repository import SqlTickets
from bolttickets.services.ports import (
    ApiKeyRepository,
    AuditRepository,
    BookingRepository,
    EventRepository,
    OffsetRepository,
    PaymentEventRepository,
    TicketRepository,
    UserRepository,
    WaitingRoomRepository,
)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            self.reader = create_async_engine(self.url, pool_size=4, max_overflow=0)
            self.writer = create_async_engine(self.url, pool_size=1, max_overflow=0)
            self.autocommit_reader = create_async_engine(
                self.url, pool_size=4, max_overflow=0, isolation_level="AUTOCOMMIT"
            )
            _tune_sqlite(self.reader, begin="BEGIN")
            _tune_sqlite(self.writer, begin="BEGIN IMMEDIATE")
            _tune_sqlite(self.autocommit_reader, begin=None)
        else:
            # asyncpg reads the URL itself: SQLAlchemy would hand libpq's parameters
            # (sslmode, sslrootcert, ...) to asyncpg.connect as arguments it does not take.
            dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.writer = create_async_engine(
                self.url,
                async_creator=partial(asyncpg.connect, dsn),
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
            )
            # Reads run in REPEATABLE READ so a multi-statement read is one snapshot.
            self.reader = self.writer.execution_options(isolation_level="REPEATABLE READ")
            # A pool of its own, autocommitting from the start: asyncpg pre-pings a connection
            # that is not in autocommit inside a transaction (BEGIN, ping, ROLLBACK), so one
            # the writer's pool lent would cost those round trips before any isolation level
            # set on it took effect. Read-only from the server's side too: nothing commits.
            read_only = {"default_transaction_read_only": "on"}
            self.autocommit_reader = create_async_engine(
                self.url,
                async_creator=partial(asyncpg.connect, dsn, server_settings=read_only),
                pool_size=pool_size,
                max_overflow=0,
                pool_pre_ping=True,
                isolation_level="AUTOCOMMIT",
            )

    def unit_of_work(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.writer if write else self.reader)

    def reads(self) -> SqlReads:
        return SqlReads(self.autocommit_reader)

    async def dispose(self) -> None:
        await self.autocommit_reader.dispose()
        await self.reader.dispose()
        await self.writer.dispose()


def _tune_sqlite(engine: AsyncEngine, *, begin: str | None) -> None:
    """``begin`` starts each transaction; None leaves every statement on its own, on a
    connection that refuses writes."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not the driver, start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        if begin is None:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    if begin is not None:

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)


class SqlReads:
    """Reads on connections of an engine that autocommits: each statement on its own."""

    users: UserRepository
    events: EventRepository
    bookings: BookingRepository
    offsets: OffsetRepository
    audit: AuditRepository

    api_keys: ApiKeyRepository
    payment_events: PaymentEventRepository
    waiting_rooms: WaitingRoomRepository
    tickets: TicketRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        try:
            self._conn = await self._engine.connect()
            await self._begin(self._conn)
        except Exception as exc:
            if self._conn is not None:
                with contextlib.suppress(Exception):  # it failed already; the pool drops it
                    await self._close()
            if (error := translated(exc)) is None:
                raise
            raise error from exc
        self.users = SqlUsers(self._conn)
        self.events = SqlEvents(self._conn)
        self.bookings = SqlBookings(self._conn)
        self.offsets = SqlOffsets(self._conn)
        self.audit = SqlAudit(self._conn)

        self.api_keys = SqlApiKeys(self._conn)
        self.payment_events = SqlPaymentEvents(self._conn)
        self.waiting_rooms = SqlWaitingRooms(self._conn)
        self.tickets = SqlTickets(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._close()
        except Exception as failure:
            # Failing along with the body, the connection is reported by the body's error.
            if exc is None:
                if (error := translated(failure)) is None:
                    raise
                raise error from failure
        if isinstance(exc, Exception) and (error := translated(exc)) is not None:
            raise error from exc

    async def _close(self) -> None:
        assert self._conn is not None
        conn, self._conn = self._conn, None
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def _begin(self, conn: AsyncConnection) -> None:
        """Nothing: the engine runs each statement on its own."""

    @property
    def connection(self) -> AsyncConnection:
        assert self._conn is not None
        return self._conn


class SqlUnitOfWork(SqlReads):
    """One transaction on a connection of ``engine``."""

    async def _begin(self, conn: AsyncConnection) -> None:
        await conn.begin()

    async def commit(self) -> None:
        await self.connection.commit()
