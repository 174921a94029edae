"""Every payment event is recorded once, on the embedded database and on PostgreSQL, however
often and however concurrently it is delivered; a refused webhook records nothing. The
webhooks are the built-in provider's and Stripe's, both signed in Stripe's scheme and taken
in by the one ``Payments.receive``."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from bolttickets.adapters.payments_builtin import DECLINED, NEVER_ANSWERS, PAYS, BuiltinTestPayments
from bolttickets.adapters.payments_stripe import StripeProvider
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.tables import payment_events
from bolttickets.domain.errors import InvalidPayment, InvalidWebhook
from bolttickets.domain.payments import (
    PaymentEvent,
    PaymentEventKind,
    PaymentRequest,
    ProviderName,
)
from bolttickets.services.clock import SystemClock
from bolttickets.services.payments import Payments
from tests.stripe_webhooks import WEBHOOK_SECRET, intent, signed, stripe_event

DELIVERIES = 5


def payments(database: Database, *, stripe: StripeProvider | None = None) -> Payments:
    test = BuiltinTestPayments("payment-events-test-secret", SystemClock())
    return Payments(database.unit_of_work, SystemClock(), test=test, stripe=stripe)


def stripe_events_only() -> StripeProvider:
    """Stripe as far as its webhooks go: reading one calls nobody."""
    return StripeProvider("sk_test_unused", WEBHOOK_SECRET, api_base="http://127.0.0.1:9")


async def recorded(database: Database) -> list[tuple[str, str, str, uuid.UUID, str]]:
    async with database.reader.connect() as conn:
        rows = await conn.execute(
            sa.select(
                payment_events.c.provider,
                payment_events.c.event_id,
                payment_events.c.payment_id,
                payment_events.c.booking_id,
                payment_events.c.kind,
            )
        )
        return [tuple(row) for row in rows]


def an_event(provider: ProviderName = ProviderName.STRIPE, event_id: str = "evt_1") -> PaymentEvent:
    return PaymentEvent(provider, event_id, "pi_1", uuid.uuid4(), PaymentEventKind.SUCCEEDED)


async def test_an_event_is_recorded_the_first_time_only(database: Database) -> None:
    service = payments(database)
    event = an_event()
    assert [await service.record_once(event) for _ in range(DELIVERIES)] == [True] + [False] * 4
    # Event ids are unique per provider only.
    assert await service.record_once(an_event(ProviderName.TEST)) is True
    assert await service.record_once(an_event(event_id="evt_2")) is True
    assert len(await recorded(database)) == 3


async def test_concurrent_deliveries_of_one_event_record_it_once(database: Database) -> None:
    service = payments(database)
    event = an_event()
    firsts = await asyncio.gather(*(service.record_once(event) for _ in range(DELIVERIES)))
    assert sorted(firsts) == [False] * 4 + [True]
    assert await recorded(database) == [("stripe", "evt_1", "pi_1", event.booking_id, "succeeded")]


async def test_a_stripe_webhook_delivered_five_times_at_once_applies_once(
    database: Database,
) -> None:
    stripe = stripe_events_only()
    service = payments(database, stripe=stripe)
    booking_id = uuid.uuid4()
    webhook = signed(
        stripe_event("payment_intent.succeeded", intent("pi_9", booking_id)), WEBHOOK_SECRET
    )
    try:
        received = await asyncio.gather(
            *(service.receive(ProviderName.STRIPE, webhook) for _ in range(DELIVERIES))
        )
        again = await service.receive(ProviderName.STRIPE, webhook)
    finally:
        await stripe.close()
    assert all(r is not None and r.event.booking_id == booking_id for r in received)
    assert sorted(r.first for r in received if r is not None) == [False] * 4 + [True]
    assert again is not None and not again.first
    [(provider, _, payment_id, booking, kind)] = await recorded(database)
    assert (provider, payment_id, booking, kind) == ("stripe", "pi_9", booking_id, "succeeded")


async def test_a_refused_or_foreign_webhook_records_nothing(database: Database) -> None:
    stripe = stripe_events_only()
    service = payments(database, stripe=stripe)
    body = stripe_event("payment_intent.succeeded", intent("pi_9", uuid.uuid4()))
    try:
        with pytest.raises(InvalidWebhook):
            await service.receive(ProviderName.STRIPE, signed(body, "whsec_forged"))
        with pytest.raises(InvalidWebhook):  # the test provider's secret is not Stripe's
            await service.receive(ProviderName.TEST, signed(body, WEBHOOK_SECRET))
        foreign = signed(
            stripe_event("payment_intent.succeeded", intent("pi_9", None)), WEBHOOK_SECRET
        )
        assert await service.receive(ProviderName.STRIPE, foreign) is None
    finally:
        await stripe.close()
    assert await recorded(database) == []


async def test_paying_with_test_cards_goes_through_the_webhook_path(database: Database) -> None:
    service = payments(database)
    booking_id = uuid.uuid4()
    checkout = await service.start(ProviderName.TEST, PaymentRequest(booking_id, 1000, "EUR"))
    assert await service.pay_test_card(checkout.payment_id, NEVER_ANSWERS) is None
    assert await recorded(database) == []

    declined = await service.pay_test_card(checkout.payment_id, DECLINED)
    paid = await service.pay_test_card(checkout.payment_id, PAYS)
    paid_again = await service.pay_test_card(checkout.payment_id, PAYS)
    assert declined is not None and declined.kind is PaymentEventKind.FAILED
    assert paid is not None and paid.kind is PaymentEventKind.SUCCEEDED
    assert paid_again == paid
    await service.refund(ProviderName.TEST, checkout.payment_id, booking_id)
    await service.refund(ProviderName.TEST, checkout.payment_id, booking_id)

    rows = await recorded(database)
    assert sorted(kind for *_, kind in rows) == ["failed", "refunded", "succeeded"]
    assert {(p, pid, b) for p, _, pid, b, _ in rows} == {("test", checkout.payment_id, booking_id)}


async def test_a_provider_that_is_not_enabled_is_refused(sqlite_database: Database) -> None:
    service = Payments(sqlite_database.unit_of_work, SystemClock())
    assert service.enabled == []
    with pytest.raises(InvalidPayment):
        await service.start(ProviderName.STRIPE, PaymentRequest(uuid.uuid4(), 1000, "EUR"))
    with pytest.raises(InvalidPayment):
        await service.pay_test_card("tpay_x", PAYS)
