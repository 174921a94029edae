"""E-tickets: one per admission, each with a code that is its only proof at the door."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

CODE_BYTES = 16
"""128 random bits: a code can be neither guessed nor derived from another one."""


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    CHECKED_IN = "checked-in"
    VOID = "void"
    """Its booking was refunded or cancelled: the door refuses it."""


@dataclass(frozen=True, slots=True)
class Ticket:
    code: str
    booking_id: UUID
    position: int
    """1 to the booking's quantity: a booking issues each admission once, however often asked."""
    event_id: UUID
    ticket_type_id: UUID
    user_id: UUID
    checked_in_at: datetime | None = None
    void: bool = False

    @property
    def status(self) -> TicketStatus:
        if self.void:
            return TicketStatus.VOID
        return TicketStatus.VALID if self.checked_in_at is None else TicketStatus.CHECKED_IN
