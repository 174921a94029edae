"""Webhooks as Stripe sends them, signed here with the scheme Stripe documents, never with
the code under test: ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
under the endpoint's secret."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from bolttickets.services.ports import Webhook

WEBHOOK_SECRET = "whsec_bolttickets_tests_0123456789"


def signed(body: bytes, secret: str, *, at: float | None = None) -> Webhook:
    timestamp = int(time.time() if at is None else at)
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return Webhook(body, {"stripe-signature": f"t={timestamp},v1={mac.hexdigest()}"})


def stripe_event(event_type: str, payment: Mapping[str, Any]) -> bytes:
    """An event as Stripe sends one (only the fields read here)."""
    return orjson.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": payment},
        }
    )


def intent(payment_id: str, booking_id: uuid.UUID | None) -> dict[str, Any]:
    metadata = {} if booking_id is None else {"booking_id": str(booking_id)}
    return {"id": payment_id, "object": "payment_intent", "metadata": metadata}


def charge(payment_id: str, booking_id: uuid.UUID, *, refunded: bool) -> dict[str, Any]:
    return {
        "id": "ch_123",
        "object": "charge",
        "payment_intent": payment_id,
        "refunded": refunded,
        "metadata": {"booking_id": str(booking_id)},
    }
