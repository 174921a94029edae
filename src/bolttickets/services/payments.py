"""Payments: the enabled providers behind one port — start a booking's payment, ask for a
refund, and read what a provider tells (verified, unrecorded). What an event does to a
booking, recorded once with the change, is ``booking_payments``: Stripe's webhooks and the
built-in provider's test cards take that one path alike."""

from __future__ import annotations

from uuid import UUID

import structlog

from bolttickets.domain.errors import InvalidPayment
from bolttickets.domain.payments import Checkout, PaymentEvent, PaymentRequest, ProviderName
from bolttickets.services.ports import (
    BuiltinPaymentProvider,
    PaymentProvider,
    Webhook,
)

log = structlog.get_logger("bolttickets.payments")


class Payments:
    def __init__(
        self,
        *,
        test: BuiltinPaymentProvider | None = None,
        stripe: PaymentProvider | None = None,
    ) -> None:
        self._test = test
        self._providers: dict[ProviderName, PaymentProvider] = {
            name: provider
            for name, provider in ((ProviderName.TEST, test), (ProviderName.STRIPE, stripe))
            if provider is not None
        }

    @property
    def enabled(self) -> list[ProviderName]:
        return list(self._providers)

    async def start(self, provider: ProviderName, request: PaymentRequest) -> Checkout:
        return await self._provider(provider).create(request)

    async def request_refund(
        self, provider: ProviderName, payment_id: str, booking_id: UUID
    ) -> Webhook | None:
        """Ask the provider to refund the whole payment; the built-in provider's webhook
        telling it is refunded, for the caller to take in (Stripe sends its own later)."""
        webhook = await self._provider(provider).refund(payment_id, booking_id)
        log.info("payment_refund_requested", provider=provider, payment_id=payment_id)
        return webhook

    def verify(self, provider: ProviderName, webhook: Webhook) -> PaymentEvent | None:
        """The event of a provider's webhook, unrecorded; None for a webhook about nothing
        a booking needs to know. Raises InvalidWebhook."""
        return self._provider(provider).parse_webhook(webhook)

    def test_card_webhook(self, payment_id: str, card_number: str) -> Webhook | None:
        """The built-in provider's webhook for paying with one of its test cards; None for
        the card that never answers."""
        if self._test is None:
            raise InvalidPayment("The test payment provider is not enabled on this server.")
        webhook = self._test.pay(payment_id, card_number)
        if webhook is None:
            log.info("test_payment_unanswered", payment_id=payment_id)
        return webhook

    def _provider(self, name: ProviderName) -> PaymentProvider:
        provider = self._providers.get(name)
        if provider is None:
            raise InvalidPayment(f"The {name} payment provider is not enabled on this server.")
        return provider
