"""Paying for a reserved booking, the providers' word about payments, and refunds
(docs/payments.md)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from bolttickets.api import rate_limits
from bolttickets.api.deps import BookingPaymentsDep
from bolttickets.api.schemas import (
    BookingOut,
    CheckoutIn,
    CheckoutOut,
    Problem,
    TestPaymentIn,
    TestPaymentOut,
    WebhookReceived,
)
from bolttickets.api.security import Requires
from bolttickets.domain.model import Scope
from bolttickets.domain.payments import ProviderName
from bolttickets.services.accounts import Actor
from bolttickets.services.ports import Webhook

router = APIRouter(tags=["payments"])

Writer = Annotated[Actor, Depends(Requires(Scope.BOOKINGS_WRITE))]
_NO_SCOPE = {"model": Problem, "description": "An API key without the scope"}
_UNAVAILABLE = {
    "model": Problem,
    "description": "payment-provider-unavailable: the provider did not answer; retry after "
    "Retry-After",
}


@router.post(
    "/api/bookings/{booking_id}/checkout",
    operation_id="checkoutBooking",
    dependencies=[rate_limits.BOOKINGS],
    responses={
        401: {"model": Problem},
        403: _NO_SCOPE,
        404: {"model": Problem, "description": "not-found: no booking of the caller's"},
        409: {
            "model": Problem,
            "description": "booking-not-reserved: not reserved, or past its deadline",
        },
        422: {"model": Problem, "description": "validation-error: a provider not enabled"},
        503: _UNAVAILABLE,
        **rate_limits.RESPONSES,
    },
)
async def checkout_booking(
    booking_id: UUID, body: CheckoutIn, actor: Writer, payments: BookingPaymentsDep
) -> CheckoutOut:
    """Start paying for the caller's reserved booking; the buyer pays at ``redirect_url``
    before the booking's ``expires_at``. Asked again, the same payment."""
    started = await payments.checkout(actor, booking_id, ProviderName(body.provider))
    return CheckoutOut(
        payment_id=started.payment_id,
        redirect_url=started.redirect_url,
        client_fields=dict(started.client_fields),
    )


@router.post(
    "/api/payments/test/{payment_id}",
    operation_id="payWithTestCard",
    dependencies=[rate_limits.READS],
    responses={
        404: {"model": Problem, "description": "not-found: a payment id the provider did not make"},
        422: {
            "model": Problem,
            "description": "validation-error: not a test card, or the test provider is off",
        },
        **rate_limits.RESPONSES,
    },
)
async def pay_with_test_card(
    payment_id: str, body: TestPaymentIn, payments: BookingPaymentsDep
) -> TestPaymentOut:
    """The built-in test provider's payment page: whoever holds the payment id pays with a
    test card. 4242424242424242 pays, 4000000000000002 is declined, 4000000000009995 never
    answers. Its outcome goes through the same webhook path as Stripe's."""
    event = await payments.pay_test_card(payment_id, body.card_number)
    outcome = "pending" if event is None else event.kind.value
    return TestPaymentOut(payment_id=payment_id, outcome=outcome)


@router.post(
    "/api/payments/stripe/webhook",
    operation_id="receiveStripeWebhook",
    responses={
        400: {
            "model": Problem,
            "description": "invalid-webhook: a signature that does not verify, or too old",
        },
        422: {"model": Problem, "description": "validation-error: Stripe is not enabled"},
        503: _UNAVAILABLE,
    },
)
async def receive_stripe_webhook(request: Request, payments: BookingPaymentsDep) -> WebhookReceived:
    """Stripe's events, verified by their ``Stripe-Signature`` header and applied once
    however often Stripe delivers them. A payment for a booking no longer reserved is
    refunded."""
    webhook = Webhook(await request.body(), {k.lower(): v for k, v in request.headers.items()})
    await payments.receive(ProviderName.STRIPE, webhook)
    return WebhookReceived()


@router.post(
    "/api/bookings/{booking_id}/refund",
    operation_id="refundBooking",
    dependencies=[rate_limits.BOOKINGS],
    responses={
        401: {"model": Problem},
        403: {
            "model": Problem,
            "description": "refund-window-closed: the buyer's refunds are over; or an API key "
            "without the scope",
        },
        404: {"model": Problem, "description": "not-found: no booking the caller may see"},
        409: {"model": Problem, "description": "booking-not-refundable: not paid"},
        503: _UNAVAILABLE,
        **rate_limits.RESPONSES,
    },
)
async def refund_booking(
    booking_id: UUID, actor: Writer, payments: BookingPaymentsDep
) -> BookingOut:
    """Refund a paid booking, its tickets back to the sale: its buyer until the event's
    ``refunds_until``, the event's organiser or an admin any time."""
    return BookingOut.of(await payments.refund(actor, booking_id))
