"""API keys as the service keeps them, on the embedded database and the real one."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.errors import InvalidApiKey, InvalidApiKeyRequest, NotFound
from bolttickets.domain.model import Role, Scope
from bolttickets.services.accounts import Actor
from bolttickets.services.api_keys import ApiKeys
from tests.contract.test_repository import add_user
from tests.unit.fakes import FakeClock

HOUR = 3600.0


def keys(database: Database, clock: FakeClock, cache_seconds: float = HOUR) -> ApiKeys:
    return ApiKeys(database.unit_of_work, clock, b"k" * 32, cache_seconds=cache_seconds)


async def test_a_key_acts_for_its_owner_with_only_its_scopes(database: Database) -> None:
    owner = await add_user(database)
    issued = await keys(database, FakeClock()).create(
        "box office", [Scope.BOOKINGS_WRITE], owner.id, None
    )
    # Another process: nothing cached.
    actor = await keys(database, FakeClock()).actor(issued.secret)
    assert actor == Actor(
        owner.id, Role.CUSTOMER, scopes=frozenset({"bookings:write"}), api_key_id=issued.key.id
    )
    async with database.unit_of_work() as uow:
        stored = await uow.api_keys.get(issued.key.id)
    assert stored is not None and issued.secret not in stored.secret_hash


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # the secret, one letter off
        lambda s: "bt_" + "0" * 12 + s[15:],  # the secret under another prefix
        lambda s: s + "x",
        lambda s: "bt_",
    ],
    ids=["wrong-secret", "unknown-prefix", "too-long", "bare"],
)
async def test_anything_but_the_key_is_refused(database: Database, forge: object) -> None:
    owner = await add_user(database)
    api_keys = keys(database, FakeClock())
    issued = await api_keys.create("k", [Scope.EVENTS_READ], owner.id, None)
    await api_keys.actor(issued.secret)  # cached: a forgery must not be served from it
    with pytest.raises(InvalidApiKey):
        await api_keys.actor(forge(issued.secret))  # type: ignore[operator]


async def test_the_revoking_process_refuses_the_key_at_once(database: Database) -> None:
    owner = await add_user(database)
    clock = FakeClock()
    api_keys = keys(database, clock)  # trusts a verified key for an hour
    issued = await api_keys.create("k", [Scope.EVENTS_READ], owner.id, None)
    await api_keys.actor(issued.secret)
    revoked = await api_keys.revoke(issued.key.id)
    assert revoked.revoked_at == clock.now()
    with pytest.raises(InvalidApiKey):
        await api_keys.actor(issued.secret)
    assert (await api_keys.revoke(issued.key.id)).revoked_at == revoked.revoked_at
    with pytest.raises(NotFound):
        await api_keys.revoke(uuid4())


async def test_another_process_refuses_a_revoked_key_once_its_cache_lapses(
    database: Database,
) -> None:
    owner = await add_user(database)
    clock = FakeClock()
    admin_side, other = keys(database, clock), keys(database, clock, cache_seconds=0)
    issued = await admin_side.create("k", [Scope.EVENTS_READ], owner.id, None)
    await other.actor(issued.secret)
    await admin_side.revoke(issued.key.id)
    with pytest.raises(InvalidApiKey):
        await other.actor(issued.secret)


async def test_an_expired_key_is_refused(database: Database) -> None:
    owner = await add_user(database)
    clock = FakeClock()
    api_keys = keys(database, clock)
    issued = await api_keys.create(
        "k", [Scope.EVENTS_READ], owner.id, clock.now() + timedelta(minutes=5)
    )
    await keys(database, clock).actor(issued.secret)
    clock.advance(5 * 60)
    with pytest.raises(InvalidApiKey):
        await keys(database, clock).actor(issued.secret)
    with pytest.raises(InvalidApiKeyRequest):
        await api_keys.create("k", [Scope.EVENTS_READ], owner.id, clock.now())


async def test_a_key_needs_an_owner_and_a_scope(database: Database) -> None:
    owner = await add_user(database)
    api_keys = keys(database, FakeClock())
    with pytest.raises(InvalidApiKeyRequest):
        await api_keys.create("k", [Scope.EVENTS_READ], uuid4(), None)
    with pytest.raises(InvalidApiKeyRequest):
        await api_keys.create("k", [], owner.id, None)


async def test_last_use_is_written_at_most_once_a_minute(database: Database) -> None:
    owner = await add_user(database)
    clock = FakeClock()
    issued = await keys(database, clock).create("k", [Scope.EVENTS_READ], owner.id, None)

    async def last_used() -> object:
        async with database.unit_of_work() as uow:
            key = await uow.api_keys.get(issued.key.id)
        assert key is not None
        return key.last_used_at

    first = clock.now()
    await keys(database, clock).actor(issued.secret)
    clock.advance(59)
    await keys(database, clock).actor(issued.secret)  # uncached: verified again
    assert await last_used() == first
    clock.advance(1)
    await keys(database, clock).actor(issued.secret)
    assert await last_used() == clock.now()
