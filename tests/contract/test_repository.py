"""The database port: one suite, run against SQLite (embedded) and PostgreSQL (real)."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import DatabaseUnavailable, EmailTaken, InvalidCursor
from bolttickets.domain.model import (
    ApiKey,
    Booking,
    BookingStatus,
    Event,
    Role,
    Scope,
    TicketType,
    User,
)
from bolttickets.domain.requests import BookingRequest, booking_id_for, fingerprint
from bolttickets.services.batch import QueuePosition, apply_batch
from bolttickets.services.ports import RefusedByDatabase, Settlement
from tests.support import free_port

NOW = datetime(2030, 5, 1, 12, tzinfo=UTC)


async def add_user(db: Database, email: str | None = None) -> User:
    user = User(
        uuid4(), email or f"{uuid4().hex[:8]}@tests.bolttickets.dev", "hash", Role.CUSTOMER, NOW
    )
    async with db.unit_of_work(write=True) as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def add_event(
    db: Database,
    capacity: int = 10,
    per_user_limit: int | None = None,
    starts_in_days: int = 30,
    organizer: User | None = None,
    price_cents: int = 2500,
) -> Event:
    event_id = uuid4()
    event = Event(
        event_id,
        "Gig",
        "Hall",
        NOW + timedelta(days=starts_in_days),
        None,
        NOW,
        (TicketType(uuid4(), event_id, "GA", price_cents, "EUR", capacity, per_user_limit),),
        organizer_id=None if organizer is None else organizer.id,
    )
    async with db.unit_of_work(write=True) as uow:
        await uow.events.add(event)
        await uow.commit()
    return event


def request_for(
    user: User, tt: TicketType, quantity: int = 1, key: str | None = None
) -> BookingRequest:
    return BookingRequest(
        booking_id_for(user.id, key),
        user.id,
        tt.event_id,
        tt.id,
        quantity,
        tt.price_cents,
        tt.currency,
        key,
        fingerprint(tt.id, quantity),
        NOW,
    )


def row(
    request: BookingRequest, status: BookingStatus = BookingStatus.RESERVED
) -> tuple[Booking, str | None, str]:
    return request.as_booking(status), request.idempotency_key, request.fingerprint


async def test_users_are_unique_by_email_and_the_transaction_survives(database: Database) -> None:
    user = await add_user(database, "same@tests.bolttickets.dev")
    async with database.unit_of_work(write=True) as uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(User(uuid4(), user.email, "h", Role.CUSTOMER, NOW))
        other = User(uuid4(), f"{uuid4().hex[:8]}@tests.bolttickets.dev", "h", Role.ADMIN, NOW)
        await uow.users.add(other)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.users.by_email(user.email) == user
        assert await uow.users.get(other.id) == other
        assert await uow.users.get(uuid4()) is None


async def test_nothing_is_written_without_commit(database: Database) -> None:
    event = await add_event(database)
    user = await add_user(database)
    async with database.unit_of_work(write=True) as uow:
        await uow.bookings.insert_new([row(request_for(user, event.ticket_types[0]))])
    async with database.unit_of_work() as uow:
        assert (await uow.bookings.page(user.id, None, 10)).items == []


async def test_events_page_through_every_event_once(database: Database) -> None:
    created = [await add_event(database, starts_in_days=d) for d in (3, 1, 2, 5, 4)]
    seen: list[UUID] = []
    cursor = None
    async with database.unit_of_work() as uow:
        while True:
            page = await uow.events.page(cursor, 2)
            seen += [e.id for e in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        got = await uow.events.get(created[0].id)
    mine = [e.id for e in sorted(created, key=lambda e: e.starts_at)]
    assert [i for i in seen if i in mine] == mine
    assert got == created[0]


async def test_inserts_skip_existing_bookings_and_return_only_new_ones(database: Database) -> None:
    tt = (await add_event(database)).ticket_types[0]
    user = await add_user(database)
    first = request_for(user, tt, key="k1")
    second = request_for(user, tt, key="k2")
    async with database.unit_of_work(write=True) as uow:
        assert [b.id for b in await uow.bookings.insert_new([row(first)])] == [first.booking_id]
        await uow.commit()
    async with database.unit_of_work(write=True) as uow:
        inserted = await uow.bookings.insert_new([row(first), row(second)])
        await uow.commit()
    assert [b.id for b in inserted] == [second.booking_id]
    async with database.unit_of_work() as uow:
        existing = await uow.bookings.existing([first.booking_id, uuid4()])
        assert list(existing) == [first.booking_id]
        assert existing[first.booking_id].fingerprint == first.fingerprint
        stored = await uow.bookings.get(first.booking_id)
    assert stored == first.as_booking(BookingStatus.RESERVED)


async def test_sold_can_never_exceed_capacity(database: Database) -> None:
    tt = (await add_event(database, capacity=3)).ticket_types[0]
    async with database.unit_of_work(write=True) as uow:
        await uow.bookings.add_sold({tt.id: 3})
        await uow.commit()
    with pytest.raises(RefusedByDatabase):
        async with database.unit_of_work(write=True) as uow:
            await uow.bookings.add_sold({tt.id: 1})
            await uow.commit()
    async with database.unit_of_work(write=True) as uow:
        state = await uow.bookings.lock_ticket_types([tt.id, uuid4()])
    assert list(state) == [tt.id] and (state[tt.id].capacity, state[tt.id].sold) == (3, 3)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://bolt:bolt@127.0.0.1:{port}/nothing",  # nobody listens
        "sqlite+aiosqlite:///{missing}/bolt.db",  # a directory that is not there
    ],
    ids=["postgres-not-listening", "sqlite-directory-gone"],
)
async def test_a_database_that_does_not_answer_is_unavailable(url: str, tmp_path: Path) -> None:
    database = Database(url.format(port=free_port(), missing=tmp_path / "gone"))
    if (tmp_path / "gone").exists():
        (tmp_path / "gone").rmdir()  # the adapter made it; now it is gone
    try:
        with pytest.raises(DatabaseUnavailable):
            async with database.unit_of_work() as uow:
                await uow.users.get(uuid4())
    finally:
        await database.dispose()


async def test_stock_basis_and_settled_state(database: Database) -> None:
    tt = (await add_event(database, capacity=10, per_user_limit=4)).ticket_types[0]
    alice, bob = await add_user(database), await add_user(database)
    keyed = request_for(alice, tt, 2, key="a")
    plain = request_for(bob, tt, 1)
    refused = request_for(bob, tt, 3, key="b")
    async with database.unit_of_work(write=True) as uow:
        await uow.bookings.insert_new(
            [row(keyed), row(plain), row(refused, BookingStatus.REJECTED)]
        )
        await uow.bookings.add_sold({tt.id: 3})
        await uow.commit()
    async with database.unit_of_work() as uow:
        basis = await uow.events.stock_basis(tt.id)
        state = await uow.bookings.settled_state(tt.id, [keyed.booking_id, uuid4()])
        assert await uow.events.stock_basis(uuid4()) is None
        assert tt.id in await uow.events.all_ticket_type_ids()
    assert basis is not None and state is not None
    assert basis.ticket_type.sold == 3 and basis.sale_closes_at == NOW + timedelta(days=30)
    assert basis.held_per_user == {alice.id: 2, bob.id: 1}
    assert basis.keyed_bookings == {
        keyed.booking_id: keyed.fingerprint,
        refused.booking_id: refused.fingerprint,
    }
    assert state[0].sold == 3 and state[1] == {keyed.booking_id: BookingStatus.RESERVED}


async def test_cancel_changes_a_confirmed_booking_once(database: Database) -> None:
    tt = (await add_event(database, capacity=5)).ticket_types[0]
    user = await add_user(database)
    request = request_for(user, tt, 2)
    async with database.unit_of_work(write=True) as uow:
        await uow.bookings.insert_new([row(request)])
        await uow.bookings.add_sold({tt.id: 2})
        await uow.commit()
    results = []
    for _ in range(2):
        async with database.unit_of_work(write=True) as uow:
            results.append(await uow.bookings.cancel(request.booking_id))
            await uow.commit()
    assert results[0] is not None and results[0].status is BookingStatus.CANCELLED
    assert results[1] is None
    async with database.unit_of_work() as uow:
        basis = await uow.events.stock_basis(tt.id)
    assert basis is not None and basis.ticket_type.sold == 0


async def test_bookings_page_newest_first_per_user(database: Database) -> None:
    tt = (await add_event(database, capacity=50)).ticket_types[0]
    user, other = await add_user(database), await add_user(database)
    mine = [replace(request_for(user, tt), created_at=NOW + timedelta(minutes=m)) for m in range(5)]
    async with database.unit_of_work(write=True) as uow:
        await uow.bookings.insert_new([row(r) for r in mine] + [row(request_for(other, tt))])
        await uow.commit()
    seen: list[UUID] = []
    cursor = None
    async with database.unit_of_work() as uow:
        while True:
            page = await uow.bookings.page(user.id, cursor, 2)
            seen += [b.id for b in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        everyone = await uow.bookings.page(None, None, 100)
    assert seen == [r.booking_id for r in reversed(mine)]
    assert len(everyone.items) >= 6


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        _b64("yesterday|" + str(uuid4())),
        _b64("2026-01-01T00:00:00|" + str(uuid4())),  # no offset
        _b64("0001-01-01T00:00:00+14:00|" + str(uuid4())),  # before year 1 in UTC
        _b64("2026-01-01T00:00:00+00:00|not-a-uuid"),
        _b64("2026-01-01T00:00:00+00:00"),
        "\xff",
    ],
)
async def test_a_cursor_not_made_here_is_refused_by_every_page(
    database: Database, cursor: str
) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(InvalidCursor):
            await uow.events.page(cursor, 2)
        with pytest.raises(InvalidCursor):
            await uow.bookings.page(None, cursor, 2)
        with pytest.raises(InvalidCursor):
            await uow.users.page(cursor, 2)
        with pytest.raises(InvalidCursor):
            await uow.api_keys.page(cursor, 2)


async def test_offsets_never_move_backwards(database: Database) -> None:
    async with database.unit_of_work(write=True) as uow:
        await uow.offsets.store("g", "t", {0: 10, 1: 5})
        await uow.commit()
    async with database.unit_of_work(write=True) as uow:
        await uow.offsets.store("g", "t", {0: 7, 1: 9})
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.offsets.load("g", "t") == {0: 10, 1: 9}
        assert await uow.offsets.load("g", "other") == {}


async def test_concurrent_batches_on_one_ticket_type_never_oversell(database: Database) -> None:
    """Two workers racing (as during a rebalance): the row lock serialises them."""
    tt = (await add_event(database, capacity=10)).ticket_types[0]
    users = [await add_user(database) for _ in range(20)]
    requests = [request_for(u, tt) for u in users]
    shared = requests[:5]  # both workers got these (a redelivery during the race)
    batches = [shared + requests[5:12], shared + requests[12:]]
    outcomes = await asyncio.gather(
        *(
            apply_batch(database.unit_of_work, b, QueuePosition("g", "t", {i: 1}), NOW)
            for i, b in enumerate(batches)
        )
    )
    decided = [b for o in outcomes for b in o.decided]
    assert len({b.id for b in decided}) == len(decided) == 20
    assert sum(b.status is BookingStatus.RESERVED for b in decided) == 10
    async with database.unit_of_work() as uow:
        basis = await uow.events.stock_basis(tt.id)
    assert basis is not None and basis.ticket_type.sold == 10


async def test_a_reused_key_is_not_its_booking(database: Database) -> None:
    """The same Idempotency-Key with another body, past admission: its tickets go back."""
    tt = (await add_event(database)).ticket_types[0]
    other = (await add_event(database)).ticket_types[0]
    user = await add_user(database)
    first, elsewhere = request_for(user, tt, key="k"), request_for(user, other, key="k")
    more = request_for(user, tt, 2, key="k")

    together = await apply_batch(
        database.unit_of_work, [first, elsewhere, first], QueuePosition("g", "t", {0: 1}), NOW
    )
    later = await apply_batch(
        database.unit_of_work, [elsewhere, more, first], QueuePosition("g", "t", {0: 2}), NOW
    )

    assert [(b.id, b.ticket_type_id, b.status) for b in together.decided] == [
        (first.booking_id, tt.id, BookingStatus.RESERVED)
    ]
    assert set(together.settlements) == {Settlement(first, True), Settlement(elsewhere, False)}
    assert later.decided == []
    assert set(later.settlements) == {
        Settlement(first, True),
        Settlement(elsewhere, False),
        Settlement(more, False),
    }
    async with database.unit_of_work() as uow:
        mine = await uow.events.stock_basis(tt.id)
        theirs = await uow.events.stock_basis(other.id)
    assert mine is not None and mine.ticket_type.sold == 1
    assert theirs is not None and theirs.ticket_type.sold == 0


async def test_an_event_keeps_its_organizer_and_pages_its_own_bookings(database: Database) -> None:
    organizer = await add_user(database)
    mine = await add_event(database, organizer=organizer)
    other = await add_event(database)
    buyers = [await add_user(database) for _ in range(3)]
    rows = [row(request_for(b, mine.ticket_types[0])) for b in buyers]
    rows.append(row(request_for(buyers[0], other.ticket_types[0])))
    async with database.unit_of_work(write=True) as uow:
        await uow.bookings.insert_new(rows)
        await uow.commit()
    seen: list[UUID] = []
    cursor = None
    async with database.unit_of_work() as uow:
        assert (await uow.events.get(mine.id)) == mine
        assert (await uow.events.get(other.id)) == other and other.organizer_id is None
        while True:
            page = await uow.bookings.page(None, cursor, 2, event_id=mine.id)
            seen += [b.id for b in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        of_one_buyer = await uow.bookings.page(buyers[0].id, None, 10, event_id=mine.id)
    assert sorted(seen) == sorted(b.id for b, _, _ in rows[:3])
    assert [b.id for b in of_one_buyer.items] == [rows[0][0].id]


async def test_a_role_change_returns_the_user_as_it_was(database: Database) -> None:
    user = await add_user(database)
    async with database.unit_of_work(write=True) as uow:
        before = await uow.users.set_role(user.id, Role.ORGANIZER)
        assert await uow.users.set_role(uuid4(), Role.ADMIN) is None
        await uow.commit()
    async with database.unit_of_work() as uow:
        after = await uow.users.get(user.id)
        listed: list[User] = []
        cursor = None
        while True:
            page = await uow.users.page(cursor, 1)
            listed += page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert before == user
    assert after == replace(user, role=Role.ORGANIZER)
    assert after in listed and len({u.id for u in listed}) == len(listed)


async def test_api_keys_are_found_by_prefix_revoked_once_and_touched(database: Database) -> None:
    owner = await add_user(database)
    key = ApiKey(
        id=uuid4(),
        prefix=uuid4().hex[:12],
        secret_hash="0" * 64,
        name="box office",
        owner_id=owner.id,
        scopes=frozenset({Scope.BOOKINGS_READ, Scope.EVENTS_WRITE}),
        created_at=NOW,
        expires_at=NOW + timedelta(days=90),
    )
    async with database.unit_of_work(write=True) as uow:
        await uow.api_keys.add(key)
        await uow.commit()
    async with database.unit_of_work(write=True) as uow:
        assert await uow.api_keys.by_prefix(key.prefix) == key
        assert await uow.api_keys.by_prefix("000000000000") is None
        await uow.api_keys.touch(key.id, NOW + timedelta(minutes=1))
        revoked = await uow.api_keys.revoke(key.id, NOW + timedelta(hours=1))
        again = await uow.api_keys.revoke(key.id, NOW + timedelta(hours=2))
        assert await uow.api_keys.revoke(uuid4(), NOW) is None
        await uow.commit()
    expected = replace(
        key, revoked_at=NOW + timedelta(hours=1), last_used_at=NOW + timedelta(minutes=1)
    )
    assert revoked == again == expected
    async with database.unit_of_work() as uow:
        assert await uow.api_keys.get(key.id) == expected
        assert key.id in [k.id for k in (await uow.api_keys.page(None, 100)).items]


async def test_a_look_up_of_any_number_of_ids_is_one_prepared_statement(
    postgres_database: Database,
) -> None:
    """The hot path looks up the bookings and buyers of each tick's admitted requests, as
    many as the tick held: on PostgreSQL each length must not be a statement of its own,
    which asyncpg would prepare (a round trip) and cache, pushing out the others."""
    async with postgres_database.unit_of_work() as uow:
        for n in range(1, 6):
            await uow.bookings.existing([uuid4() for _ in range(n)])
            await uow.users.active([uuid4() for _ in range(n)])
        prepared = await uow.connection.scalars(
            sa.text(
                "SELECT statement FROM pg_prepared_statements"
                " WHERE statement LIKE 'SELECT bookings.id,%' OR statement LIKE 'SELECT users.id %'"
            )
        )
        assert len(prepared.all()) == 2
