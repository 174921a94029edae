"""Registering, logging in and the bootstrap admin: plain synchronous writes."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from bolttickets.domain.errors import EmailTaken, InvalidCredentials
from bolttickets.domain.model import Role, User
from bolttickets.services.ports import Clock, PasswordHasher, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: the authenticated user behind a request."""

    user_id: UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class KnownUsers:
    """Whether an account exists, remembered once seen (accounts are never deleted, and
    the worker dead-letters a booking whose account went anyway): a validly signed token
    can name an account the database lacks (restored from before it, a key shared with
    another deployment), and no booking can be stored for it."""

    def __init__(self, uow: UnitOfWorkFactory, size: int = 1_000_000) -> None:
        self._uow = uow
        self._size = size
        self._seen: set[UUID] = set()

    async def exists(self, user_id: UUID) -> bool:
        if user_id in self._seen:
            return True
        async with self._uow() as uow:
            found = await uow.users.get(user_id) is not None
        if found:
            if len(self._seen) >= self._size:
                self._seen.clear()  # rare, and cheap to learn again: one read per buyer
            self._seen.add(user_id)
        return found


class Accounts:
    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._dummy_hash: str | None = None
        """Verified for an unknown email, so its login costs what a known one's does and
        its timing tells no one which emails have accounts."""

    async def register(self, email: str, password: str, role: Role = Role.CUSTOMER) -> User:
        password_hash = await self._hasher.hash(password)
        user = User(uuid4(), email.lower(), password_hash, role, self._clock.now())
        async with self._uow(write=True) as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    async def authenticate(self, email: str, password: str) -> User:
        async with self._uow() as uow:
            user = await uow.users.by_email(email.lower())
        if user is None:
            await self._hasher.verify(await self._dummy(), password)
            raise InvalidCredentials()
        if not await self._hasher.verify(user.password_hash, password):
            raise InvalidCredentials()
        return user

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    async def get(self, user_id: UUID) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)

    async def ensure_admin(self, email: str, password: str) -> User:
        """Create the configured admin once; an existing account is left as it is."""
        return await self._ensure(email, password, Role.ADMIN)

    async def ensure_customer(self, email: str, password: str) -> User:
        return await self._ensure(email, password, Role.CUSTOMER)

    async def _ensure(self, email: str, password: str, role: Role) -> User:
        # Replicas starting together race to create the same account: the loser reads it.
        with contextlib.suppress(EmailTaken):
            return await self.register(email, password, role)
        async with self._uow() as uow:
            existing = await uow.users.by_email(email.lower())
        assert existing is not None
        return existing
