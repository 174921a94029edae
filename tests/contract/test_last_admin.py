"""Nobody can leave the deployment without an admin: the only one can be neither demoted
nor erased, and two admins demoting each other at once leave one of them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from uuid import UUID

import pytest
import sqlalchemy as sa

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import LastAdmin
from bolttickets.domain.model import Role, User
from bolttickets.services.accounts import Accounts, KnownUsers
from bolttickets.services.audit import ANONYMOUS, AuditLog
from bolttickets.services.privacy import Privacy
from tests.contract.test_repository import add_user
from tests.support import eventually
from tests.unit.fakes import FakeClock, PlainHasher


async def add_admin(db: Database) -> User:
    user = await add_user(db)
    async with db.unit_of_work(write=True) as uow:
        await uow.users.set_role(user.id, Role.ADMIN)
        await uow.commit()
    return replace(user, role=Role.ADMIN)


def accounts(db: Database) -> Accounts:
    clock = FakeClock()
    audit = AuditLog(db.unit_of_work, clock)
    return Accounts(db.unit_of_work, PlainHasher(), clock, audit, KnownUsers(db.unit_of_work))


def privacy(db: Database) -> Privacy:
    clock = FakeClock()
    return Privacy(
        db.unit_of_work, AuditLog(db.unit_of_work, clock), KnownUsers(db.unit_of_work), clock
    )


async def role_of(db: Database, user: User) -> Role:
    async with db.unit_of_work() as uow:
        found = await uow.users.get(user.id)
    assert found is not None
    return found.role


async def test_the_only_admin_is_neither_demoted_nor_erased(database: Database) -> None:
    only = await add_admin(database)
    with pytest.raises(LastAdmin):
        await accounts(database).change_role(only.id, Role.CUSTOMER)
    with pytest.raises(LastAdmin):
        await privacy(database).erase(only.id, ANONYMOUS)
    assert await role_of(database, only) is Role.ADMIN

    second = await add_admin(database)
    await accounts(database).change_role(only.id, Role.ORGANIZER)  # another admin remains
    assert await role_of(database, only) is Role.ORGANIZER
    with pytest.raises(LastAdmin):
        await accounts(database).change_role(second.id, Role.CUSTOMER)


async def test_two_admins_demoting_each_other_at_once_leave_one(database: Database) -> None:
    first, second = await add_admin(database), await add_admin(database)
    results = await asyncio.gather(
        accounts(database).change_role(first.id, Role.CUSTOMER),
        accounts(database).change_role(second.id, Role.CUSTOMER),
        return_exceptions=True,
    )
    assert sum(isinstance(r, LastAdmin) for r in results) == 1, results
    roles = {await role_of(database, first), await role_of(database, second)}
    assert roles == {Role.ADMIN, Role.CUSTOMER}


async def test_a_demotion_waits_for_the_admins_another_is_changing(
    postgres_database: Database,
) -> None:
    """On PostgreSQL the admins are locked: the second demotion reads them only once the
    first has committed, and so sees one admin left (SQLite has a single writer)."""
    db = postgres_database
    first, second = await add_admin(db), await add_admin(db)

    async def admins_once_locked() -> set[UUID]:
        async with db.unit_of_work(write=True) as uow:
            return await uow.users.lock_admins()

    async def waiting_on_a_lock() -> int:
        async with db.writer.connect() as conn:
            query = (
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            return int((await conn.execute(sa.text(query))).scalar_one())

    async with db.unit_of_work(write=True) as uow:
        assert await uow.users.lock_admins() == {first.id, second.id}
        await uow.users.set_role(first.id, Role.CUSTOMER)
        other = asyncio.create_task(admins_once_locked())
        await eventually(waiting_on_a_lock, lambda count: count >= 1, timeout=60)
        await uow.commit()
    assert await other == {second.id}
