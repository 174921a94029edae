"""The payment providers' contract: Stripe, against a real stripe-mock (which refuses any
call Stripe's API would refuse), and the built-in test provider, held to the same
behaviour. Every webhook here is signed in the test, with the scheme Stripe documents
(tests/stripe_webhooks.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest
import stripe

from bolttickets.adapters.payments_builtin import (
    DECLINED,
    NEVER_ANSWERS,
    PAYS,
    BuiltinTestPayments,
)
from bolttickets.adapters.payments_stripe import StripeProvider
from bolttickets.domain.errors import (
    InvalidTestCard,
    InvalidWebhook,
    PaymentProviderUnavailable,
    UnknownPayment,
)
from bolttickets.domain.payments import (
    PaymentEvent,
    PaymentEventKind,
    PaymentRequest,
    ProviderName,
    payment_idempotency_key,
    refund_idempotency_key,
)
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import PaymentProvider, Webhook
from tests.stripe_mock import API_KEY, StripeMock
from tests.stripe_webhooks import WEBHOOK_SECRET, charge, intent, signed, stripe_event
from tests.support import free_port

TEST_PROVIDER_SECRET = "bolttickets-test-provider-secret-0123456789"


class RecordingHttpClient(stripe.HTTPXClient):
    """Stripe's own async HTTP client, keeping what the adapter sent."""

    def __init__(self) -> None:
        super().__init__(timeout=20)
        self.sent: list[tuple[str, str, dict[str, str], dict[str, list[str]]]] = []

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        form = parse_qs(post_data.decode() if isinstance(post_data, bytes) else post_data or "")
        self.sent.append((method, url, {k.lower(): v for k, v in headers.items()}, form))
        return await super().request_async(method, url, headers, post_data)


@dataclass
class Subject:
    provider: PaymentProvider
    name: ProviderName
    secret: str
    """What the provider's webhooks are signed with."""


def builtin(clock: SystemClock | None = None) -> BuiltinTestPayments:
    return BuiltinTestPayments(TEST_PROVIDER_SECRET, clock or SystemClock())


@pytest.fixture
async def stripe_provider(stripe_mock: StripeMock) -> AsyncIterator[StripeProvider]:
    provider = StripeProvider(API_KEY, WEBHOOK_SECRET, api_base=stripe_mock.url)
    yield provider
    await provider.close()


@pytest.fixture(params=[ProviderName.STRIPE, ProviderName.TEST])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param is ProviderName.STRIPE:
        provider: PaymentProvider = request.getfixturevalue("stripe_provider")
        return Subject(provider, ProviderName.STRIPE, WEBHOOK_SECRET)
    return Subject(builtin(), ProviderName.TEST, TEST_PROVIDER_SECRET)


# --- Both providers -------------------------------------------------------------------------


async def test_a_payment_is_started_with_a_page_to_pay_it_on(subject: Subject) -> None:
    checkout = await subject.provider.create(PaymentRequest(uuid.uuid4(), 1500, "EUR"))
    assert checkout.payment_id
    assert checkout.redirect_url == f"/pay/{subject.name}/{checkout.payment_id}"


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("payment_intent.succeeded", PaymentEventKind.SUCCEEDED),
        ("payment_intent.payment_failed", PaymentEventKind.FAILED),
        ("charge.refunded", PaymentEventKind.REFUNDED),
    ],
)
def test_a_signed_event_is_read_as_what_happened_to_the_bookings_payment(
    subject: Subject, event_type: str, kind: PaymentEventKind
) -> None:
    booking_id = uuid.uuid4()
    payment = (
        charge("pi_42", booking_id, refunded=True)
        if kind is PaymentEventKind.REFUNDED
        else intent("pi_42", booking_id)
    )
    body = stripe_event(event_type, payment)
    event = subject.provider.parse_webhook(signed(body, subject.secret))
    assert event == PaymentEvent(
        provider=subject.name,
        event_id=orjson.loads(body)["id"],
        payment_id="pi_42",
        booking_id=booking_id,
        kind=kind,
    )


def test_a_webhook_signed_with_another_secret_is_refused(subject: Subject) -> None:
    body = stripe_event("payment_intent.succeeded", intent("pi_1", uuid.uuid4()))
    with pytest.raises(InvalidWebhook):
        subject.provider.parse_webhook(signed(body, "whsec_someone_else"))


def test_a_body_changed_after_signing_is_refused(subject: Subject) -> None:
    body = stripe_event("payment_intent.succeeded", intent("pi_1", uuid.uuid4()))
    genuine = signed(body, subject.secret)
    forged = body.replace(b"payment_intent.succeeded", b"charge.refunded")
    with pytest.raises(InvalidWebhook):
        subject.provider.parse_webhook(Webhook(forged, genuine.headers))


def test_a_webhook_signed_too_long_ago_is_refused_as_a_replay(subject: Subject) -> None:
    body = stripe_event("payment_intent.succeeded", intent("pi_1", uuid.uuid4()))
    fresh_enough = signed(body, subject.secret, at=time.time() - 240)
    assert subject.provider.parse_webhook(fresh_enough) is not None
    with pytest.raises(InvalidWebhook):
        subject.provider.parse_webhook(signed(body, subject.secret, at=time.time() - 360))


@pytest.mark.parametrize(
    "headers",
    [{}, {"stripe-signature": ""}, {"stripe-signature": "t=1,v0=abc"}, {"stripe-signature": "x"}],
)
def test_a_webhook_without_a_signature_is_refused(
    subject: Subject, headers: dict[str, str]
) -> None:
    body = stripe_event("payment_intent.succeeded", intent("pi_1", uuid.uuid4()))
    with pytest.raises(InvalidWebhook):
        subject.provider.parse_webhook(Webhook(body, headers))


def test_a_signed_body_that_is_not_an_event_is_refused(subject: Subject) -> None:
    with pytest.raises(InvalidWebhook):
        subject.provider.parse_webhook(signed(b"\xff not json", subject.secret))


@pytest.mark.parametrize(
    ("event_type", "payment"),
    [
        ("customer.created", {"id": "cus_1", "object": "customer", "metadata": {}}),
        ("payment_intent.succeeded", intent("pi_1", None)),
        ("payment_intent.succeeded", {**intent("pi_1", None), "metadata": {"booking_id": "7"}}),
        ("charge.refunded", charge("pi_1", uuid.uuid4(), refunded=False)),
    ],
    ids=["another-event-type", "another-shops-payment", "not-a-booking-id", "partial-refund"],
)
def test_a_genuine_webhook_about_nothing_of_ours_is_no_event(
    subject: Subject, event_type: str, payment: dict[str, Any]
) -> None:
    webhook = signed(stripe_event(event_type, payment), subject.secret)
    assert subject.provider.parse_webhook(webhook) is None


# --- Stripe ---------------------------------------------------------------------------------


async def test_stripe_is_asked_for_one_payment_intent_per_booking(stripe_mock: StripeMock) -> None:
    http = RecordingHttpClient()
    provider = StripeProvider(
        API_KEY,
        WEBHOOK_SECRET,
        api_base=stripe_mock.url,
        publishable_key="pk_test_1",
        http_client=http,
    )
    try:
        booking_id = uuid.uuid4()
        request = PaymentRequest(booking_id, 2500, "EUR")
        first = await provider.create(request)
        await provider.create(request)  # a retry: Stripe answers it with the same intent
    finally:
        await provider.close()
    assert first.payment_id.startswith("pi_")
    assert first.client_fields["client_secret"]
    assert first.client_fields["publishable_key"] == "pk_test_1"
    assert len(http.sent) == 2
    for method, url, headers, form in http.sent:
        assert (method, url) == ("post", f"{stripe_mock.url}/v1/payment_intents")
        assert headers["idempotency-key"] == payment_idempotency_key(booking_id)
        assert form["amount"] == ["2500"]
        assert form["currency"] == ["eur"]
        assert form["metadata[booking_id]"] == [str(booking_id)]


async def test_a_stripe_refund_is_asked_once_per_payment(stripe_mock: StripeMock) -> None:
    http = RecordingHttpClient()
    provider = StripeProvider(API_KEY, WEBHOOK_SECRET, api_base=stripe_mock.url, http_client=http)
    port: PaymentProvider = provider
    booking_id = uuid.uuid4()
    try:
        assert await port.refund("pi_123", booking_id) is None  # told later, by webhook
    finally:
        await provider.close()
    [(method, url, headers, form)] = http.sent
    assert (method, url) == ("post", f"{stripe_mock.url}/v1/refunds")
    assert headers["idempotency-key"] == refund_idempotency_key("pi_123")
    assert form["payment_intent"] == ["pi_123"]
    assert form["metadata[booking_id]"] == [str(booking_id)]


class RefusingStripe(stripe.HTTPXClient):
    """A Stripe that refuses every call with ``code``: what stripe-mock cannot answer."""

    def __init__(self, code: str) -> None:
        super().__init__(timeout=20)
        self.code = code

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        error = {"type": "invalid_request_error", "code": self.code, "message": "refused"}
        return orjson.dumps({"error": error}), 400, {"request-id": "req_1"}


@pytest.mark.parametrize(
    ("code", "refunded"), [("charge_already_refunded", True), ("resource_missing", False)]
)
async def test_a_refund_stripe_calls_already_done_is_done(code: str, refunded: bool) -> None:
    """Stripe forgets an idempotency key after 24 hours: a refund asked again later is
    refused as already refunded, and that is the outcome wanted; any other refusal is not."""
    provider = StripeProvider(API_KEY, WEBHOOK_SECRET, http_client=RefusingStripe(code))
    try:
        if refunded:
            await provider.refund("pi_123", uuid.uuid4())
        else:
            with pytest.raises(stripe.InvalidRequestError):
                await provider.refund("pi_123", uuid.uuid4())
    finally:
        await provider.close()


async def test_a_stripe_that_does_not_answer_is_unavailable() -> None:
    provider = StripeProvider(API_KEY, WEBHOOK_SECRET, api_base=f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await provider.create(PaymentRequest(uuid.uuid4(), 1000, "EUR"))
        with pytest.raises(PaymentProviderUnavailable):
            await provider.refund("pi_123", uuid.uuid4())
    finally:
        await provider.close()


# --- The built-in test provider ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "kind"),
    [
        (PAYS, PaymentEventKind.SUCCEEDED),
        ("4242 4242 4242 4242", PaymentEventKind.SUCCEEDED),
        (DECLINED, PaymentEventKind.FAILED),
    ],
)
async def test_a_test_card_decides_the_payment(card: str, kind: PaymentEventKind) -> None:
    provider = builtin()
    booking_id = uuid.uuid4()
    checkout = await provider.create(PaymentRequest(booking_id, 1000, "EUR"))
    webhook = provider.pay(checkout.payment_id, card)
    assert webhook is not None
    event = provider.parse_webhook(webhook)
    assert event is not None
    assert (event.provider, event.payment_id, event.booking_id, event.kind) == (
        ProviderName.TEST,
        checkout.payment_id,
        booking_id,
        kind,
    )


async def test_the_card_that_never_answers_tells_nothing() -> None:
    provider = builtin()
    checkout = await provider.create(PaymentRequest(uuid.uuid4(), 1000, "EUR"))
    assert provider.pay(checkout.payment_id, NEVER_ANSWERS) is None


async def test_the_same_outcome_told_twice_is_one_event_and_a_booking_one_payment() -> None:
    provider = builtin()
    booking_id = uuid.uuid4()
    request = PaymentRequest(booking_id, 1000, "EUR")
    payment_id = (await provider.create(request)).payment_id
    assert (await provider.create(request)).payment_id == payment_id
    events = []
    for card in (PAYS, PAYS, DECLINED):
        webhook = provider.pay(payment_id, card)
        assert webhook is not None
        events.append(provider.parse_webhook(webhook))
    paid, paid_again, declined = events
    assert paid is not None and declined is not None
    assert paid_again == paid
    assert declined.event_id != paid.event_id


async def test_a_test_refund_tells_its_event_at_once() -> None:
    provider = builtin()
    booking_id = uuid.uuid4()
    payment_id = (await provider.create(PaymentRequest(booking_id, 1000, "EUR"))).payment_id
    event = provider.parse_webhook(await provider.refund(payment_id, booking_id))
    assert event is not None
    assert (event.payment_id, event.booking_id, event.kind) == (
        payment_id,
        booking_id,
        PaymentEventKind.REFUNDED,
    )
    with pytest.raises(UnknownPayment):
        await provider.refund(payment_id, uuid.uuid4())  # another booking's


async def test_payment_ids_the_test_provider_did_not_make_are_unknown() -> None:
    provider = builtin()
    booking_id = uuid.uuid4()
    made = (await provider.create(PaymentRequest(booking_id, 1000, "EUR"))).payment_id
    elsewhere = (
        await BuiltinTestPayments("another-secret", SystemClock()).create(
            PaymentRequest(booking_id, 1000, "EUR")
        )
    ).payment_id
    for payment_id in (
        elsewhere,
        made[:-1] + "0",
        f"tpay_{booking_id.hex}",
        "pi_123",
        "",
        "tpay_x_y",
    ):
        assert payment_id != made
        with pytest.raises(UnknownPayment):
            provider.pay(payment_id, PAYS)


async def test_only_test_card_numbers_are_taken() -> None:
    provider = builtin()
    payment_id = (await provider.create(PaymentRequest(uuid.uuid4(), 1000, "EUR"))).payment_id
    for card in ("4111111111111111", "", "4242", "not a card"):
        with pytest.raises(InvalidTestCard):
            provider.pay(payment_id, card)


class LateClock(SystemClock):
    def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(minutes=10)


async def test_a_test_webhook_signed_too_long_ago_is_refused() -> None:
    """The built-in provider's webhooks meet the same timestamp check as Stripe's."""
    late = builtin(LateClock())
    payment_id = (await late.create(PaymentRequest(uuid.uuid4(), 1000, "EUR"))).payment_id
    webhook = late.pay(payment_id, PAYS)
    assert webhook is not None
    with pytest.raises(InvalidWebhook):
        late.parse_webhook(webhook)
