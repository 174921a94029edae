"""Payments as the booking sees them, whichever provider takes the money."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from bolttickets.domain.errors import InvalidPayment

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ProviderName(enum.StrEnum):
    TEST = "test"
    """The built-in provider of the embedded default and demos: test cards, no money."""
    STRIPE = "stripe"


class PaymentEventKind(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """An attempt was declined; the buyer may try again until the reservation expires."""
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """Take ``amount_minor`` (cents, or the currency's smallest unit) for a booking."""

    booking_id: UUID
    amount_minor: int
    currency: str
    """ISO 4217, upper case."""

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            # A free booking is paid by nobody: it never reaches a provider.
            raise InvalidPayment("A payment is for a positive amount.")
        if not _CURRENCY.match(self.currency):
            raise InvalidPayment(f"{self.currency!r} is not an ISO 4217 currency code.")

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt to start this booking's payment, so a retried
        request (a timeout, a second click) finds the payment made the first time."""
        return payment_idempotency_key(self.booking_id)


def payment_idempotency_key(booking_id: UUID) -> str:
    return f"bolttickets-payment-{booking_id}"


def refund_idempotency_key(payment_id: str) -> str:
    return f"bolttickets-refund-{payment_id}"


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where the buyer goes to pay, and what a provider's own client needs there."""

    payment_id: str
    redirect_url: str
    client_fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A provider's verified word about a payment; ``event_id`` is unique per provider, and
    a provider may deliver the same event more than once."""

    provider: ProviderName
    event_id: str
    payment_id: str
    booking_id: UUID
    kind: PaymentEventKind
