"""Payments: start a booking's payment, refund it, and take in what the providers tell,
each event once.

Every provider's word comes in through ``receive``: Stripe's webhooks and the built-in
provider's test cards alike, so one path verifies and records what happened to a payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from bolttickets.domain.errors import InvalidPayment
from bolttickets.domain.payments import Checkout, PaymentEvent, PaymentRequest, ProviderName
from bolttickets.services.ports import (
    BuiltinPaymentProvider,
    Clock,
    PaymentProvider,
    UnitOfWorkFactory,
    Webhook,
)

log = structlog.get_logger("bolttickets.payments")


@dataclass(frozen=True, slots=True)
class Received:
    event: PaymentEvent
    first: bool
    """False for an event delivered before: it was recorded, and acted on, then."""


class Payments:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        test: BuiltinPaymentProvider | None = None,
        stripe: PaymentProvider | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
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

    async def refund(self, provider: ProviderName, payment_id: str, booking_id: UUID) -> None:
        """Refund the whole payment. Its ``refunded`` event comes through ``receive``: at
        once from the built-in provider, later as a webhook from Stripe."""
        webhook = await self.request_refund(provider, payment_id, booking_id)
        if webhook is not None:
            await self.receive(provider, webhook)

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

    async def receive(self, provider: ProviderName, webhook: Webhook) -> Received | None:
        """Verify a provider's webhook and record its event. None for a webhook about
        nothing a booking needs to know. Raises InvalidWebhook, changing nothing."""
        event = self.verify(provider, webhook)
        if event is None:
            return None
        first = await self.record_once(event)
        log.info(
            "payment_event_received",
            provider=provider,
            event_id=event.event_id,
            payment_id=event.payment_id,
            booking_id=str(event.booking_id),
            kind=event.kind,
            first=first,
        )
        return Received(event, first)

    async def pay_test_card(self, payment_id: str, card_number: str) -> PaymentEvent | None:
        """Pay with one of the built-in provider's test cards. The outcome is the event its
        webhook told (succeeded or failed), or None: that card never answers, and the
        booking waits until its reservation expires."""
        webhook = self.test_card_webhook(payment_id, card_number)
        if webhook is None:
            return None
        received = await self.receive(ProviderName.TEST, webhook)
        assert received is not None, "the built-in provider sent a webhook about nothing"
        return received.event

    async def record_once(self, event: PaymentEvent) -> bool:
        """True only the first time ``event`` is recorded, however many deliveries race.

        In its own transaction. A caller that changes a booking because of the event
        records it with ``uow.payment_events`` in the transaction of that change instead,
        so the change and the record commit, or fail, together."""
        async with self._uow(write=True) as uow:
            first = await uow.payment_events.record_once(event, self._clock.now())
            await uow.commit()
        return first

    def _provider(self, name: ProviderName) -> PaymentProvider:
        provider = self._providers.get(name)
        if provider is None:
            raise InvalidPayment(f"The {name} payment provider is not enabled on this server.")
        return provider
