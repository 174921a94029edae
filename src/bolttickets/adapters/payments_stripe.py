"""Stripe: one PaymentIntent per booking, refunds, and Stripe's signed webhook events.

The booking's id travels in the PaymentIntent's metadata, which Stripe copies onto the
charge, so every event this reads (``payment_intent.*``, ``charge.refunded``) names its
booking. The built-in test provider speaks the same event dialect, signed the same way
with its own secret, and is read by the same ``payment_event`` below.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import stripe
import structlog

from bolttickets.domain.errors import InvalidWebhook, PaymentProviderUnavailable
from bolttickets.domain.payments import (
    Checkout,
    PaymentEvent,
    PaymentEventKind,
    PaymentRequest,
    ProviderName,
    refund_idempotency_key,
)
from bolttickets.services.ports import Webhook

log = structlog.get_logger("bolttickets.payments")

SIGNATURE_HEADER = "stripe-signature"
TOLERANCE_SECONDS = 300
"""How old a webhook's signed timestamp may be: Stripe's own default; older is a replay."""
BOOKING_KEY = "booking_id"
"""The metadata key that names the booking, on the PaymentIntent and so on its charge."""

_KINDS = {
    "payment_intent.succeeded": PaymentEventKind.SUCCEEDED,
    "payment_intent.payment_failed": PaymentEventKind.FAILED,
    "charge.refunded": PaymentEventKind.REFUNDED,
}

# Stripe's answers that say "not now" rather than "never": worth the buyer's retry.
_UNAVAILABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


class StripeProvider:
    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        *,
        api_base: str | None = None,
        publishable_key: str | None = None,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        """A client of Stripe's API at ``api_base`` (unset: Stripe's), async over httpx;
        it retries what failed on the network, which the idempotency keys make safe."""
        self._http = http_client or stripe.HTTPXClient(timeout=20)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=2,
        )
        self._webhook_secret = webhook_secret
        self._publishable_key = publishable_key

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]  # stripe's own

    async def create(self, request: PaymentRequest) -> Checkout:
        try:
            intent = await self._client.v1.payment_intents.create_async(
                {
                    "amount": request.amount_minor,
                    "currency": request.currency.lower(),
                    "metadata": {BOOKING_KEY: str(request.booking_id)},
                    "automatic_payment_methods": {"enabled": True},
                },
                {"idempotency_key": request.idempotency_key},
            )
        except _UNAVAILABLE as exc:
            raise _unavailable(exc) from exc
        fields = {"client_secret": intent.client_secret or ""}
        if self._publishable_key:
            fields["publishable_key"] = self._publishable_key
        return Checkout(
            payment_id=intent.id,
            redirect_url=checkout_page(ProviderName.STRIPE, intent.id),
            client_fields=fields,
        )

    async def refund(self, payment_id: str, booking_id: UUID) -> None:
        """Stripe tells the outcome later, in a ``charge.refunded`` webhook."""
        try:
            await self._client.v1.refunds.create_async(
                {"payment_intent": payment_id, "metadata": {BOOKING_KEY: str(booking_id)}},
                {"idempotency_key": refund_idempotency_key(payment_id)},
            )
        except stripe.InvalidRequestError as exc:
            # Stripe keeps an idempotency key for 24 hours; a refund asked again later is
            # refused this way, and the payment is refunded all the same.
            if exc.code != "charge_already_refunded":
                raise
        except _UNAVAILABLE as exc:
            raise _unavailable(exc) from exc

    def parse_webhook(self, webhook: Webhook) -> PaymentEvent | None:
        return payment_event(ProviderName.STRIPE, webhook, self._webhook_secret)


def checkout_page(provider: ProviderName, payment_id: str) -> str:
    """The web page's path where the buyer pays this payment."""
    return f"/pay/{provider}/{payment_id}"


def payment_event(provider: ProviderName, webhook: Webhook, secret: str) -> PaymentEvent | None:
    """The payment event of a Stripe-signed webhook (``t=<unix time>,v1=<HMAC-SHA256 of
    "t.body">``), verified with ``secret`` before any of it is read."""
    header = webhook.headers.get(SIGNATURE_HEADER)
    if not header:
        raise InvalidWebhook("The webhook has no Stripe-Signature header.")
    try:
        event = stripe.Webhook.construct_event(webhook.body, header, secret, TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook() from exc
    except ValueError as exc:  # signed, yet not JSON: not a webhook a provider sends
        raise InvalidWebhook("The webhook's body is not an event.") from exc
    kind = _KINDS.get(event.type)
    if kind is None:
        return None
    payment: dict[str, Any] = event.to_dict()["data"]["object"]
    if kind is PaymentEventKind.REFUNDED:
        if not payment.get("refunded"):
            return None  # a partial refund: nothing this system asks for
        payment_id = payment.get("payment_intent")
    else:
        payment_id = payment.get("id")
    booking_id = _booking_id(payment.get("metadata") or {})
    if booking_id is None or not isinstance(payment_id, str):
        log.info("payment_event_not_ours", provider=provider, event_id=event.id, type=event.type)
        return None
    return PaymentEvent(
        provider=provider,
        event_id=event.id,
        payment_id=payment_id,
        booking_id=booking_id,
        kind=kind,
    )


def _booking_id(metadata: dict[str, Any]) -> UUID | None:
    try:
        return UUID(str(metadata[BOOKING_KEY]))
    except (KeyError, ValueError):
        return None


def _unavailable(exc: stripe.StripeError) -> PaymentProviderUnavailable:
    log.warning("stripe_unavailable", error=type(exc).__name__, status=exc.http_status)
    return PaymentProviderUnavailable("Stripe did not answer; try again shortly.")
