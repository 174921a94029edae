"""The Sessions service on the embedded adapters: rotation, reuse, revocation and the news
of it that every API process follows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.memory_sessions import MemorySessionStore
from bolttickets.domain.errors import InvalidRefreshToken, RefreshTokenReused, UnknownAccount
from bolttickets.domain.model import Role, User
from bolttickets.services.clock import SystemClock
from bolttickets.services.sessions import Sessions
from tests.support import eventually
from tests.unit.fakes import FakeUowFactory


class World:
    def __init__(self) -> None:
        self.uow = FakeUowFactory()
        self.sessions = Sessions(
            MemorySessionStore(SystemClock()),
            MemoryPubSub(),
            self.uow,
            refresh_ttl=timedelta(days=1),
            access_ttl=timedelta(minutes=15),
        )
        self.told: list[str] = []
        self.gaps = 0

    def user(self) -> User:
        user = User(uuid4(), f"{uuid4().hex}@x.dev", "-", Role.CUSTOMER, datetime.now(UTC))
        self.uow.data.users[user.id] = user
        return user

    def _told(self, session_ids: Sequence[str]) -> None:
        self.told.extend(session_ids)

    def _gap(self) -> None:
        self.gaps += 1

    async def follow(self) -> asyncio.Task[None]:
        return await self.sessions.follow_revocations(self._told, self._gap)

    async def told_of(self, *session_ids: str) -> None:
        async def told() -> list[str]:
            return self.told

        await eventually(told, lambda names: set(session_ids) <= set(names), timeout=10)


@pytest.fixture
async def world() -> World:
    return World()


async def test_each_refresh_gives_a_new_token_of_the_same_session(world: World) -> None:
    user = world.user()
    opened = await world.sessions.open(user.id)

    first = await world.sessions.refresh(opened.refresh_token)
    second = await world.sessions.refresh(first.session.refresh_token)

    assert first.user == second.user == user
    assert opened.session_id == first.session.session_id == second.session.session_id
    assert (
        len({opened.refresh_token, first.session.refresh_token, second.session.refresh_token}) == 3
    )


async def test_a_reused_token_revokes_the_session_and_every_process_is_told(world: World) -> None:
    follower = await world.follow()
    user = world.user()
    opened = await world.sessions.open(user.id)
    current = (await world.sessions.refresh(opened.refresh_token)).session

    with pytest.raises(RefreshTokenReused):
        await world.sessions.refresh(opened.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        await world.sessions.refresh(current.refresh_token)
    assert await world.sessions.is_revoked(opened.session_id)
    await world.told_of(opened.session_id)
    follower.cancel()


@pytest.mark.parametrize("token", ["", "no-dot", ".secret", "session.", "unknown.secret"])
async def test_malformed_or_unknown_tokens_are_invalid(world: World, token: str) -> None:
    with pytest.raises(InvalidRefreshToken):
        await world.sessions.refresh(token)


async def test_revoke_all_ends_only_that_users_sessions(world: World) -> None:
    follower = await world.follow()
    user, other = world.user(), world.user()
    laptop, phone = await world.sessions.open(user.id), await world.sessions.open(user.id)
    theirs = await world.sessions.open(other.id)

    assert await world.sessions.revoke_all(user.id) == 2

    await world.told_of(laptop.session_id, phone.session_id)
    assert theirs.session_id not in world.told
    for ended in (laptop, phone):
        with pytest.raises(InvalidRefreshToken):
            await world.sessions.refresh(ended.refresh_token)
    await world.sessions.refresh(theirs.refresh_token)
    assert await world.sessions.revoke_all(user.id) == 0
    follower.cancel()


async def test_a_session_whose_user_is_gone_is_revoked_on_refresh(world: World) -> None:
    user = world.user()
    opened = await world.sessions.open(user.id)
    del world.uow.data.users[user.id]

    with pytest.raises(UnknownAccount):
        await world.sessions.refresh(opened.refresh_token)
    assert await world.sessions.is_revoked(opened.session_id)
