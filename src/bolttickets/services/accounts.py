"""Registering, logging in and the bootstrap admin: plain synchronous writes."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass
from uuid import UUID, uuid4

from bolttickets.domain.errors import EmailTaken, InvalidCredentials, LastAdmin, NotFound
from bolttickets.domain.model import Role, User
from bolttickets.services.audit import ANONYMOUS, AuditAction, AuditActor, AuditLog, named
from bolttickets.services.ports import Clock, Page, PasswordHasher, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: the authenticated user behind a request."""

    user_id: UUID
    role: Role
    _: KW_ONLY  # the rest say what they are at every call
    session_id: str | None = None
    scopes: frozenset[str] | None = None  # an API key's; None: a person, whom the role governs
    api_key_id: UUID | None = None  # the key acting for its owner, named in the audit log

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class RoleChanged:
    """What a role change did, for whoever records it."""

    user_id: UUID
    before: Role
    after: Role


class KnownUsers:
    """Whether an account exists and is not erased, remembered once seen: a validly signed
    token can name an account the database lacks (restored from before it, a key shared
    with another deployment), and no booking can be stored for it. Accounts are never
    deleted, but may be erased: the process that erases one forgets it here at once; other
    processes stop accepting its tokens once the revocation of its sessions reaches them."""

    def __init__(self, uow: UnitOfWorkFactory, size: int = 1_000_000) -> None:
        self._uow = uow
        self._size = size
        self._seen: set[UUID] = set()

    async def exists(self, user_id: UUID) -> bool:
        if self.known(user_id):
            return True
        async with self._uow() as uow:
            found = await uow.users.active([user_id])
        self.learn(found)
        return user_id in found

    def known(self, user_id: UUID) -> bool:
        """Seen to exist already: no need to ask the database."""
        return user_id in self._seen

    def learn(self, user_ids: Iterable[UUID]) -> None:
        """These accounts were just read from the database, existing and not erased."""
        for user_id in user_ids:
            if len(self._seen) >= self._size:
                self._seen.clear()  # rare, and cheap to learn again: one read per buyer
            self._seen.add(user_id)

    def forget(self, user_id: UUID) -> None:
        self._seen.discard(user_id)


class Accounts:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        audit: AuditLog,
        users: KnownUsers,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._audit = audit
        self._users = users
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

    async def authenticate(self, email: str, password: str, ip: str | None) -> User:
        """Audited either way. A failure names the account it was for by id (an email in
        the audit log would outlive the account's erasure), and one for an unknown email
        names nobody."""
        async with self._uow() as uow:
            user = await uow.users.by_email(email.lower())
        if user is None or user.erased_at is not None:
            # Hashed all the same: the timing tells no one which emails have accounts.
            await self._hasher.verify(await self._dummy(), password)
            reason = "unknown-email" if user is None else "erased-account"
        elif not await self._hasher.verify(user.password_hash, password):
            reason = "wrong-password"
        else:
            await self._audit.record(
                AuditAction.LOGIN_SUCCEEDED,
                actor=AuditActor.user(user.id, ip),
                target=named("user", user.id),
            )
            return user
        await self._audit.record(
            AuditAction.LOGIN_FAILED,
            actor=AuditActor(ANONYMOUS, ip),
            target=None if user is None else named("user", user.id),
            details={"reason": reason},
        )
        raise InvalidCredentials()

    async def is_active(self, user_id: UUID) -> bool:
        """Whether the account exists and is not erased (remembered once seen)."""
        return await self._users.exists(user_id)

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    async def get(self, user_id: UUID) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)

    async def page(self, cursor: str | None, limit: int) -> Page[User]:
        async with self._uow() as uow:
            return await uow.users.page(cursor, limit)

    async def change_role(self, user_id: UUID, role: Role) -> RoleChanged:
        """Access tokens carry the role they were issued with: the caller revokes the
        user's sessions for the change to take effect at once."""
        async with self._uow(write=True) as uow:
            if role is not Role.ADMIN and await uow.users.lock_admins() == {user_id}:
                raise LastAdmin("This is the only admin: make another admin first.")
            before = await uow.users.set_role(user_id, role)
            await uow.commit()
        if before is None:
            raise NotFound(f"User {user_id} does not exist.")
        return RoleChanged(user_id, before.role, role)

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
