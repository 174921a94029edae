"""The audit log: who did what to what, when and from where; stored for good, and logged."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID, uuid4

import structlog

from bolttickets.services.ports import (
    AuditEntry,
    AuditQuery,
    Clock,
    Page,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = structlog.get_logger("bolttickets.audit")

ANONYMOUS = "anonymous"


class AuditAction(enum.StrEnum):
    LOGIN_SUCCEEDED = "auth.login.succeeded"
    LOGIN_FAILED = "auth.login.failed"
    EVENT_CREATED = "event.created"
    BOOKING_CANCELLED = "booking.cancelled"
    ACCOUNT_EXPORTED = "account.exported"
    ACCOUNT_ERASED = "account.erased"
    ROLE_CHANGED = "user.role-changed"
    API_KEY_CREATED = "api-key.created"
    API_KEY_REVOKED = "api-key.revoked"
    WAITING_ROOM_SET = "event.waiting-room-set"
    TICKET_CHECKED_IN = "ticket.checked-in"
    ATTENDEES_EXPORTED = "event.attendees-exported"
    BOOKING_REFUNDED = "booking.refunded"
    LATE_PAYMENT_REFUNDED = "payment.late-refunded"
    """A payment for a booking no longer reserved (expired, cancelled): refunded at once."""


def named(kind: str, id_: UUID | str) -> str:
    """How the log names an actor or a target: ``user:<id>``, ``event:<id>``, ..."""
    return f"{kind}:{id_}"


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who acted (``user:<id>``, ``api-key:<id>`` or ``anonymous``) and from which address."""

    name: str
    ip: str | None

    @classmethod
    def user(cls, user_id: UUID, ip: str | None) -> AuditActor:
        return cls(named("user", user_id), ip)


class AuditLog:
    """Details are what an auditor needs, never a secret (a password, a token, a key) and
    nothing personal beyond the actor's address: entries are never erased, not even with
    the account they are about, so they name people by id only."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def record(
        self,
        action: AuditAction,
        *,
        actor: AuditActor,
        target: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> AuditEntry:
        async with self._uow(write=True) as uow:
            entry = await self.add(uow, action, actor=actor, target=target, details=details)
            await uow.commit()
        return entry

    async def add(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        *,
        actor: AuditActor,
        target: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> AuditEntry:
        """``record`` inside the caller's transaction: the entry commits with the change it
        describes, or neither does. Logged at once: a line for a change rolled back later
        is better than a change without one."""
        entry = AuditEntry(
            uuid4(), self._clock.now(), actor.name, actor.ip, action, target, dict(details or {})
        )
        await uow.audit.add(entry)
        log.info(
            "audit",
            audit_id=str(entry.id),
            at=entry.at.isoformat(),
            action=entry.action,
            actor=entry.actor,
            actor_ip=entry.actor_ip,
            target=entry.target,
            details=entry.details,
        )
        return entry

    async def page(self, query: AuditQuery, cursor: str | None, limit: int) -> Page[AuditEntry]:
        async with self._uow() as uow:
            return await uow.audit.page(query, cursor, limit)
