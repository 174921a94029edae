"""Sessions: one refresh token family per login, rotated on every use, revoked at once.

A refresh token is ``<session id>.<secret>``; the store keeps only its SHA-256 (the secret
is 256 random bits, so a fast hash is enough). Each refresh replaces the session's current
token; a token presented again after it was replaced means two parties hold it, one a
thief, so the whole session is revoked (RFC 9700, section 4.14.2).

Access tokens carry the session id. Revoking a session records its id as revoked for the
access tokens' lifetime and tells every API process on the ``sessions-revoked`` channel, so
each drops what it had verified; a process that missed the message asks the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from bolttickets.domain.errors import InvalidRefreshToken, RefreshTokenReused, UnknownAccount
from bolttickets.domain.model import User
from bolttickets.services.ports import (
    PubSub,
    Rotation,
    SessionStore,
    Subscription,
    UnitOfWorkFactory,
)

REVOKED_CHANNEL = "sessions-revoked"


@dataclass(frozen=True, slots=True)
class Issued:
    session_id: str
    refresh_token: str


@dataclass(frozen=True, slots=True)
class Refreshed:
    user: User
    session: Issued


class Sessions:
    def __init__(
        self,
        store: SessionStore,
        pubsub: PubSub,
        uow: UnitOfWorkFactory,
        *,
        refresh_ttl: timedelta,
        access_ttl: timedelta,
    ) -> None:
        self._store = store
        self._pubsub = pubsub
        self._uow = uow
        self._refresh_ttl = refresh_ttl
        self._access_ttl = access_ttl

    async def open(self, user_id: UUID) -> Issued:
        session_id = secrets.token_urlsafe(16)
        token = _new_token(session_id)
        await self._store.create(session_id, user_id, _digest(token), self._refresh_ttl)
        return Issued(session_id, token)

    async def refresh(self, refresh_token: str) -> Refreshed:
        """Raises InvalidRefreshToken, RefreshTokenReused (the session is revoked then) or
        UnknownAccount (the user is gone)."""
        session_id, _, secret = refresh_token.partition(".")
        if not session_id or not secret:
            raise InvalidRefreshToken()
        new_token = _new_token(session_id)
        outcome, user_id = await self._store.rotate(
            session_id, _digest(refresh_token), _digest(new_token), self._refresh_ttl
        )
        if outcome is Rotation.REUSED:
            await self.revoke(session_id)
            raise RefreshTokenReused()
        if outcome is Rotation.UNKNOWN or user_id is None:
            raise InvalidRefreshToken()
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            await self.revoke(session_id)
            raise UnknownAccount()
        return Refreshed(user, Issued(session_id, new_token))

    async def revoke(self, *session_ids: str) -> None:
        # The store first: a process told before the store knows could verify a token
        # again, ask the store, and be told it is fine.
        await self._store.revoke(session_ids, self._access_ttl)
        await self._pubsub.publish(REVOKED_CHANNEL, " ".join(session_ids).encode())

    async def revoke_all(self, user_id: UUID) -> int:
        """Revoke every session of the user; returns how many there were."""
        session_ids = await self._store.sessions_of(user_id)
        if session_ids:
            await self.revoke(*session_ids)
        return len(session_ids)

    async def is_revoked(self, session_id: str) -> bool:
        return await self._store.is_revoked(session_id)

    async def follow_revocations(
        self, on_revoked: Callable[[Sequence[str]], None], on_gap: Callable[[], None]
    ) -> asyncio.Task[None]:
        """Call ``on_revoked`` with the ids of the sessions any process revokes from now
        on, until the returned task is cancelled; ``on_gap`` when some may have been
        missed."""
        subscription = await self._pubsub.subscribe(REVOKED_CHANNEL, on_gap=on_gap)
        return asyncio.create_task(_follow(subscription, on_revoked), name="session-revocations")


async def _follow(subscription: Subscription, on_revoked: Callable[[Sequence[str]], None]) -> None:
    try:
        async for message in subscription:
            on_revoked(message.decode().split())
    finally:
        await subscription.close()


def _new_token(session_id: str) -> str:
    return f"{session_id}.{secrets.token_urlsafe(32)}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
