"""The booking request: what the API accepts and the queue carries to the worker."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4, uuid5

from bolttickets.domain.model import Booking, BookingStatus

# Fixed namespace: the same (user, Idempotency-Key) must map to the same booking id forever,
# on every API process, so a retry after a lost Redis lands on the same database row.
_BOOKING_NAMESPACE = UUID("6f1c9a52-3d0e-4f57-9a55-0b7f3e2d1c11")


def booking_id_for(user_id: UUID, idempotency_key: str | None) -> UUID:
    if idempotency_key is None:
        return uuid4()
    return uuid5(_BOOKING_NAMESPACE, f"{user_id}:{idempotency_key}")


def fingerprint(ticket_type_id: UUID, quantity: int) -> str:
    """A digest of the request body, to tell a retry from a reused key with another body."""
    return hashlib.sha256(f"{ticket_type_id}:{quantity}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class BookingRequest:
    booking_id: UUID
    user_id: UUID
    event_id: UUID
    ticket_type_id: UUID
    quantity: int
    unit_price_cents: int
    currency: str
    idempotency_key: str | None
    fingerprint: str
    created_at: datetime

    def as_booking(
        self,
        status: BookingStatus,
        reason: str | None = None,
        expires_at: datetime | None = None,
    ) -> Booking:
        return Booking(
            id=self.booking_id,
            user_id=self.user_id,
            event_id=self.event_id,
            ticket_type_id=self.ticket_type_id,
            quantity=self.quantity,
            unit_price_cents=self.unit_price_cents,
            currency=self.currency,
            status=status,
            reason=reason,
            created_at=self.created_at,
            expires_at=expires_at,
        )
