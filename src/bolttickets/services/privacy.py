"""A user's rights over their data (GDPR): a copy of it, and its erasure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bolttickets.domain.errors import LastAdmin, UnknownAccount
from bolttickets.domain.model import Booking, User
from bolttickets.services.accounts import KnownUsers
from bolttickets.services.audit import AuditAction, AuditActor, AuditLog, named
from bolttickets.services.ports import AuditEntry, Clock, UnitOfWorkFactory

_BOOKINGS_PAGE = 500


@dataclass(frozen=True, slots=True)
class PersonalData:
    account: User
    bookings: list[Booking]
    audit: list[AuditEntry]
    """Entries the user made or that are about their account."""
    exported_at: datetime
    """When the copy was made, as its own audit entry says."""


def pseudonym(user_id: UUID) -> str:
    """The email an erased account keeps: unique (the column is), and naming nobody."""
    return f"erased-{user_id.hex}@erased.invalid"


class Privacy:
    def __init__(
        self, uow: UnitOfWorkFactory, audit: AuditLog, users: KnownUsers, clock: Clock
    ) -> None:
        self._uow = uow
        self._audit = audit
        self._users = users
        self._clock = clock

    async def export(self, user_id: UUID, by: AuditActor) -> PersonalData:
        async with self._uow() as uow:
            account = await uow.users.get(user_id)
            if account is None or account.erased_at is not None:
                raise UnknownAccount()
            bookings: list[Booking] = []
            cursor: str | None = None
            while True:
                page = await uow.bookings.page(user_id, cursor, _BOOKINGS_PAGE)
                bookings += page.items
                if (cursor := page.next_cursor) is None:
                    break
            audit = await uow.audit.about(named("user", user_id))
        exported = await self._audit.record(
            AuditAction.ACCOUNT_EXPORTED, actor=by, target=named("user", user_id)
        )
        return PersonalData(account, bookings, [*audit, exported], exported.at)

    async def erase(self, user_id: UUID, by: AuditActor) -> None:
        """Anonymise the account; its bookings stay, for accounting, with their owner's
        pseudonymous id. Raises UnknownAccount when it is gone already."""
        async with self._uow(write=True) as uow:
            if await uow.users.lock_admins() == {user_id}:
                raise LastAdmin("This is the only admin: make another admin first.")
            if not await uow.users.erase(user_id, pseudonym(user_id), self._clock.now()):
                raise UnknownAccount()
            await self._audit.add(
                uow, AuditAction.ACCOUNT_ERASED, actor=by, target=named("user", user_id)
            )
            await uow.commit()
        self._users.forget(user_id)
