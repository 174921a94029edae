"""The built-in test provider of the embedded default and demos: no money moves, Stripe's
test card numbers decide.

It keeps nothing, so every process answers alike, before and after a restart: a payment
id is its booking's id with a MAC of it (an id not made here is refused), and an event's
id is derived from the payment and what happened to it, so paying twice with the same card
tells the same event twice, and it is recorded once. Its webhooks are Stripe events signed
as Stripe signs them, with a secret of its own, and are read by the Stripe adapter's
``payment_event``: both providers' word takes one path.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from uuid import UUID

import orjson

from bolttickets.adapters.payments_stripe import (
    BOOKING_KEY,
    SIGNATURE_HEADER,
    checkout_page,
    payment_event,
)
from bolttickets.domain.errors import InvalidTestCard, UnknownPayment
from bolttickets.domain.payments import (
    Checkout,
    PaymentEvent,
    PaymentEventKind,
    PaymentRequest,
    ProviderName,
)
from bolttickets.services.ports import Clock, Webhook

PAYS = "4242424242424242"
DECLINED = "4000000000000002"
NEVER_ANSWERS = "4000000000009995"
CARDS: dict[str, PaymentEventKind | None] = {
    PAYS: PaymentEventKind.SUCCEEDED,
    DECLINED: PaymentEventKind.FAILED,
    NEVER_ANSWERS: None,
}

_PREFIX = "tpay_"
_EVENT_TYPES = {
    PaymentEventKind.SUCCEEDED: "payment_intent.succeeded",
    PaymentEventKind.FAILED: "payment_intent.payment_failed",
    PaymentEventKind.REFUNDED: "charge.refunded",
}


class BuiltinTestPayments:
    def __init__(self, secret: str, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock

    async def create(self, request: PaymentRequest) -> Checkout:
        payment_id = f"{_PREFIX}{request.booking_id.hex}_{self._mac(request.booking_id)}"
        return Checkout(payment_id, checkout_page(ProviderName.TEST, payment_id))

    async def refund(self, payment_id: str, booking_id: UUID) -> Webhook:
        if self._booking_of(payment_id) != booking_id:
            raise UnknownPayment(f"Payment {payment_id} is not the payment of this booking.")
        return self._webhook(payment_id, booking_id, PaymentEventKind.REFUNDED)

    def pay(self, payment_id: str, card_number: str) -> Webhook | None:
        booking_id = self._booking_of(payment_id)
        if booking_id is None:
            raise UnknownPayment()
        digits = "".join(card_number.split())
        if digits not in CARDS:
            raise InvalidTestCard()
        kind = CARDS[digits]
        return None if kind is None else self._webhook(payment_id, booking_id, kind)

    def parse_webhook(self, webhook: Webhook) -> PaymentEvent | None:
        return payment_event(ProviderName.TEST, webhook, self._secret)

    def _mac(self, booking_id: UUID) -> str:
        message = f"payment:{booking_id.hex}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()[:32]

    def _booking_of(self, payment_id: str) -> UUID | None:
        """The booking of a payment id made here; None for any other string."""
        booking_hex, _, mac = payment_id.removeprefix(_PREFIX).partition("_")
        try:
            booking_id = UUID(hex=booking_hex)
        except ValueError:
            return None
        made_here = payment_id.startswith(_PREFIX) and hmac.compare_digest(
            mac, self._mac(booking_id)
        )
        return booking_id if made_here else None

    def _webhook(self, payment_id: str, booking_id: UUID, kind: PaymentEventKind) -> Webhook:
        event_type = _EVENT_TYPES[kind]
        metadata = {BOOKING_KEY: str(booking_id)}
        payment: dict[str, Any]
        if kind is PaymentEventKind.REFUNDED:
            payment = {
                "id": f"ch_{payment_id}",
                "object": "charge",
                "payment_intent": payment_id,
                "refunded": True,
                "metadata": metadata,
            }
        else:
            payment = {"id": payment_id, "object": "payment_intent", "metadata": metadata}
        now = int(self._clock.now().timestamp())
        event_id = hashlib.sha256(f"{payment_id}:{event_type}".encode()).hexdigest()[:32]
        body = orjson.dumps(
            {
                "id": f"evt_test_{event_id}",
                "object": "event",
                "type": event_type,
                "created": now,
                "livemode": False,
                "data": {"object": payment},
            }
        )
        return Webhook(body, {SIGNATURE_HEADER: self._signature(now, body)})

    def _signature(self, timestamp: int, body: bytes) -> str:
        """Stripe's scheme: an HMAC-SHA256 of "<timestamp>.<body>" under the secret."""
        signed = f"{timestamp}.".encode() + body
        digest = hmac.new(self._secret.encode(), signed, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"
