"""Entities and value objects of ticketing."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from bolttickets.domain.errors import (
    BookingNotCancellable,
    InvalidEvent,
    PerUserLimitReached,
    SoldOut,
)


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    ORGANIZER = "organizer"
    """Creates events and manages only its own: changes them, sees their bookings."""
    ADMIN = "admin"
    DOOR = "door"
    """Checks tickets in at the door and sees the counts; reads no bookings but their own."""


class Scope(enum.StrEnum):
    """What an API key may do. A person's session has no scopes: its role decides."""

    EVENTS_READ = "events:read"
    EVENTS_WRITE = "events:write"
    BOOKINGS_READ = "bookings:read"
    BOOKINGS_WRITE = "bookings:write"


class BookingStatus(enum.StrEnum):
    """pending -> reserved -> paid | expired (priced), pending -> paid (free),
    pending -> rejected, paid -> refunded; reserved or a free paid booking -> cancelled."""

    PENDING = "pending"
    RESERVED = "reserved"
    """Tickets allocated to the buyer until ``expires_at``, while they pay."""
    PAID = "paid"
    REJECTED = "rejected"
    EXPIRED = "expired"
    """Not paid in time: the tickets went back to the sale."""
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


HOLDING_STATUSES = frozenset({BookingStatus.RESERVED, BookingStatus.PAID})
"""A booking in one of these holds its tickets: they count as sold."""
DEFAULT_PAYMENT_WINDOW_SECONDS = 600
MIN_PAYMENT_WINDOW_SECONDS = 10


class RejectReason(enum.StrEnum):
    """Why the worker rejected a booking; a refusal the API also answers is spelled as its
    error's slug, so a client reads the same word on a 409 and on a rejected booking."""

    SOLD_OUT = SoldOut.slug
    PER_USER_LIMIT = PerUserLimitReached.slug
    UNKNOWN_TICKET_TYPE = "unknown-ticket-type"


@dataclass(frozen=True, slots=True)
class User:
    id: UUID
    email: str
    password_hash: str
    role: Role
    created_at: datetime
    erased_at: datetime | None = None
    """When the account was erased at its owner's request: nobody can log in as it, and
    its email is a pseudonym."""


@dataclass(frozen=True, slots=True)
class TicketType:
    id: UUID
    event_id: UUID
    name: str
    price_cents: int
    currency: str
    capacity: int
    per_user_limit: int | None
    sold: int = 0


@dataclass(frozen=True, slots=True)
class Event:
    id: UUID
    name: str
    venue: str
    starts_at: datetime
    sale_starts_at: datetime | None
    created_at: datetime
    ticket_types: tuple[TicketType, ...] = field(default=())
    organizer_id: UUID | None = None
    """Who manages it; None for events made before events had owners (admins manage those)."""
    payment_window_seconds: int = DEFAULT_PAYMENT_WINDOW_SECONDS
    """How long a priced booking stays reserved for its buyer to pay."""
    refunds_until: datetime | None = None
    """Until when a buyer may refund their own paid booking; None: only its managers."""

    def managed_by(self, user_id: UUID, role: Role) -> bool:
        return role is Role.ADMIN or (role is Role.ORGANIZER and self.organizer_id == user_id)

    def validate(self) -> None:
        if not self.ticket_types:
            raise InvalidEvent("An event needs at least one ticket type.")
        if self.sale_starts_at is not None and self.sale_starts_at >= self.starts_at:
            raise InvalidEvent("The sale must start before the event starts.")
        if self.payment_window_seconds < MIN_PAYMENT_WINDOW_SECONDS:
            raise InvalidEvent(
                f"The payment window is at least {MIN_PAYMENT_WINDOW_SECONDS} seconds."
            )
        names = [t.name for t in self.ticket_types]
        if len(set(names)) != len(names):
            raise InvalidEvent("Ticket type names must be unique within an event.")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A credential for service-to-service calls, acting for ``owner_id`` with only its
    scopes. Only a keyed hash of its secret is kept; ``prefix`` finds it."""

    id: UUID
    prefix: str
    secret_hash: str
    name: str
    owner_id: UUID
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class Booking:
    id: UUID
    user_id: UUID
    event_id: UUID
    ticket_type_id: UUID
    quantity: int
    unit_price_cents: int
    currency: str
    status: BookingStatus
    reason: str | None
    created_at: datetime
    expires_at: datetime | None = None
    """Set while reserved: the deadline to pay."""
    payment_id: str | None = None
    payment_provider: str | None = None

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    @property
    def cancellable(self) -> bool:
        """A reservation the buyer gives up, or a free booking: a paid one is refunded."""
        return self.status is BookingStatus.RESERVED or (
            self.status is BookingStatus.PAID and self.total_cents == 0
        )

    def ensure_cancellable(self) -> None:
        """A cancelled booking cancels again harmlessly."""
        if not (self.cancellable or self.status is BookingStatus.CANCELLED):
            raise BookingNotCancellable(f"A {self.status} booking cannot be cancelled.")
