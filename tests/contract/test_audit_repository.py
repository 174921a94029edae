"""The audit log's repository, and erased accounts: one suite, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import InvalidCursor
from bolttickets.services.ports import AuditEntry, AuditQuery
from tests.contract.test_repository import add_user

T0 = datetime(2030, 5, 1, 12, tzinfo=UTC)


def entry(
    minute: int, action: str = "event.created", actor: str = "user:a", target: str | None = None
) -> AuditEntry:
    return AuditEntry(
        uuid4(), T0 + timedelta(minutes=minute), actor, "192.0.2.7", action, target, {"n": minute}
    )


async def store(db: Database, *entries: AuditEntry) -> None:
    async with db.unit_of_work(write=True) as uow:
        for e in entries:
            await uow.audit.add(e)
        await uow.commit()


async def every_page(db: Database, query: AuditQuery, limit: int) -> list[list[AuditEntry]]:
    pages, cursor = [], None
    while True:
        async with db.unit_of_work() as uow:
            page = await uow.audit.page(query, cursor, limit)
        pages.append(page.items)
        if (cursor := page.next_cursor) is None:
            return pages


async def test_entries_read_back_newest_first_across_pages(database: Database) -> None:
    # Two entries in the same instant: the id orders them, and neither is skipped.
    stored = [entry(m) for m in (0, 1, 1, 2, 3)]
    await store(database, *stored)
    pages = await every_page(database, AuditQuery(), limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    read = [e for page in pages for e in page]
    assert sorted(read, key=lambda e: (e.at, e.id), reverse=True) == read
    assert {e.id for e in read} == {e.id for e in stored} and len(read) == 5
    first = next(e for e in read if e.id == stored[0].id)
    assert first == stored[0]  # every field, the JSON details and the time zone included


async def test_filters_combine(database: Database) -> None:
    login = entry(0, "auth.login.succeeded", "user:a", "user:a")
    created = entry(1, "event.created", "user:b", "event:x")
    cancelled = entry(2, "booking.cancelled", "user:a", "booking:y")
    late = entry(10, "event.created", "user:b", "event:z")
    await store(database, login, created, cancelled, late)

    async def ids(**criteria: object) -> set[object]:
        [page] = await every_page(database, AuditQuery(**criteria), limit=100)  # type: ignore[arg-type]
        return {e.id for e in page}

    assert await ids(action="event.created") == {created.id, late.id}
    assert await ids(actor="user:a") == {login.id, cancelled.id}
    assert await ids(target="event:x") == {created.id}
    assert await ids(actor="user:b", since=T0 + timedelta(minutes=5)) == {late.id}
    assert await ids(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=2)) == {
        created.id
    }
    assert await ids(action="event.created", actor="user:a") == set()


async def test_what_is_about_someone_is_what_they_did_and_what_was_done_to_them(
    database: Database,
) -> None:
    theirs = [entry(0, actor="user:a"), entry(1, actor="anonymous", target="user:a")]
    await store(database, entry(2, actor="user:b", target="event:x"), *theirs)
    async with database.unit_of_work() as uow:
        assert await uow.audit.about("user:a") == theirs


async def test_a_foreign_cursor_is_refused(database: Database) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(InvalidCursor):
            await uow.audit.page(AuditQuery(), "bm90LWEtY3Vyc29y", 10)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'nothing.happened'",
        "UPDATE audit_log SET details = '{}' WHERE actor = 'user:a'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE actor = 'user:a'",
    ],
)
async def test_the_log_refuses_to_change_or_forget(database: Database, statement: str) -> None:
    kept = entry(0)
    await store(database, kept)
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.writer.begin() as conn:
            await conn.execute(sa.text(statement))
    async with database.unit_of_work() as uow:
        assert await uow.audit.about("user:a") == [kept]


async def test_postgresql_refuses_truncate_too(postgres_database: Database) -> None:
    await store(postgres_database, entry(0))
    with pytest.raises(DBAPIError, match="append-only"):
        async with postgres_database.writer.begin() as conn:
            await conn.execute(sa.text("TRUNCATE audit_log"))


async def test_an_erased_account_keeps_its_id_and_nothing_else(database: Database) -> None:
    user = await add_user(database)
    at = T0 + timedelta(days=1)
    async with database.unit_of_work(write=True) as uow:
        assert await uow.users.erase(user.id, "erased-1@erased.invalid", at)
        assert not await uow.users.erase(user.id, "erased-2@erased.invalid", at)
        assert not await uow.users.erase(uuid4(), "erased-3@erased.invalid", at)
        await uow.commit()
    async with database.unit_of_work() as uow:
        erased = await uow.users.get(user.id)
        assert await uow.users.by_email(user.email) is None
    assert erased is not None
    assert (erased.email, erased.password_hash, erased.erased_at) == (
        "erased-1@erased.invalid",
        "",
        at,
    )
