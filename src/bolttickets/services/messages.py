"""Wire formats: the queued booking request and the one update message a batch publishes."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson

from bolttickets.domain.model import Booking
from bolttickets.domain.requests import BookingRequest
from bolttickets.services.ports import Inventory

UPDATES_CHANNEL = "updates"


class UndecodableMessage(ValueError):
    """Bytes that are not a booking request: they go to the dead-letter topic."""


# The API encodes each request twice, for its hold in Redis and for the queue: the second
# time is a look-up. Keyed by identity, as hashing a request costs about what encoding it
# does; each entry keeps its request alive, so its id is not reused while it is cached.
_ENCODED: dict[int, tuple[BookingRequest, bytes]] = {}
_ENCODED_KEPT = 1024  # far more than the requests between their reservation and their send


def encode_request(request: BookingRequest) -> bytes:
    cached = _ENCODED.get(id(request))
    if cached is not None and cached[0] is request:
        return cached[1]
    encoded = _encode(request)
    if len(_ENCODED) >= _ENCODED_KEPT:
        del _ENCODED[next(iter(_ENCODED))]  # the oldest
    _ENCODED[id(request)] = (request, encoded)
    return encoded


def _encode(request: BookingRequest) -> bytes:
    return orjson.dumps(
        {
            "v": 1,
            "booking_id": str(request.booking_id),
            "user_id": str(request.user_id),
            "event_id": str(request.event_id),
            "ticket_type_id": str(request.ticket_type_id),
            "quantity": request.quantity,
            "unit_price_cents": request.unit_price_cents,
            "currency": request.currency,
            "idempotency_key": request.idempotency_key,
            "fingerprint": request.fingerprint,
            "created_at": request.created_at.isoformat(),
        }
    )


def decode_request(data: bytes) -> BookingRequest:
    try:
        raw = orjson.loads(data)
        quantity = raw["quantity"]
        unit_price = raw["unit_price_cents"]
        if not isinstance(quantity, int) or quantity < 1 or not isinstance(unit_price, int):
            raise ValueError("quantity and price must be positive integers")
        key = raw["idempotency_key"]
        created_at = datetime.fromisoformat(raw["created_at"])
        if created_at.tzinfo is None:
            raise ValueError("created_at needs an offset")
        return BookingRequest(
            booking_id=UUID(raw["booking_id"]),
            user_id=UUID(raw["user_id"]),
            event_id=UUID(raw["event_id"]),
            ticket_type_id=UUID(raw["ticket_type_id"]),
            quantity=quantity,
            unit_price_cents=unit_price,
            currency=str(raw["currency"]),
            idempotency_key=None if key is None else str(key),
            fingerprint=str(raw["fingerprint"]),
            created_at=created_at,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UndecodableMessage(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class BookingUpdate:
    booking_id: UUID
    user_id: UUID
    status: str
    reason: str | None
    expires_at: datetime | None = None
    """While reserved: the deadline to pay."""

    @classmethod
    def of(cls, booking: Booking) -> BookingUpdate:
        return cls(
            booking.id, booking.user_id, booking.status.value, booking.reason, booking.expires_at
        )


@dataclass(frozen=True, slots=True)
class InventoryUpdate:
    event_id: UUID
    inventory: Inventory


class Update(NamedTuple):
    inventory: list[InventoryUpdate]
    bookings: list[BookingUpdate]
    published_at: float | None
    """Unix time it was encoded for publishing (None from a publisher older than the field),
    for the realtime fan-out delay."""


def encode_update(inventory: Sequence[InventoryUpdate], bookings: Sequence[BookingUpdate]) -> bytes:
    return orjson.dumps(
        {
            "published_at": time.time(),
            "inventory": [
                {
                    "event_id": str(u.event_id),
                    "ticket_type_id": str(u.inventory.ticket_type_id),
                    "remaining": u.inventory.remaining,
                    "version": u.inventory.version,
                }
                for u in inventory
            ],
            "bookings": [
                {
                    "booking_id": str(b.booking_id),
                    "user_id": str(b.user_id),
                    "status": b.status,
                    "reason": b.reason,
                    "expires_at": None if b.expires_at is None else b.expires_at.isoformat(),
                }
                for b in bookings
            ],
        }
    )


def decode_update(data: bytes) -> Update:
    raw: dict[str, Any] = orjson.loads(data)
    inventory = [
        InventoryUpdate(
            UUID(i["event_id"]),
            Inventory(UUID(i["ticket_type_id"]), int(i["remaining"]), int(i["version"])),
        )
        for i in raw.get("inventory", ())
    ]
    bookings = [
        BookingUpdate(
            UUID(b["booking_id"]),
            UUID(b["user_id"]),
            b["status"],
            b["reason"],
            None if b.get("expires_at") is None else datetime.fromisoformat(b["expires_at"]),
        )
        for b in raw.get("bookings", ())
    ]
    published_at = raw.get("published_at")
    return Update(inventory, bookings, None if published_at is None else float(published_at))
