"""A reserved booking's way to paid, expired or refunded.

The state machine of a priced booking after the worker reserved it:

    reserved --payment succeeded before expires_at--> paid --refund--> refunded
    reserved --expires_at passed (the worker)--------> expired

Each change is one conditional UPDATE on the booking's current status, so of racing
callers (two workers expiring, a webhook racing the expiry, five deliveries of one event)
exactly one makes it. A payment that finds its booking no longer reserved is refunded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import structlog

from bolttickets.domain.errors import (
    BookingNotRefundable,
    BookingNotReserved,
    NotFound,
    RefundWindowClosed,
)
from bolttickets.domain.model import Booking, BookingStatus
from bolttickets.domain.payments import (
    Checkout,
    PaymentEvent,
    PaymentEventKind,
    PaymentRequest,
    ProviderName,
)
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditAction, AuditActor, AuditLog, named
from bolttickets.services.batch import publish_updates
from bolttickets.services.payments import Payments
from bolttickets.services.ports import (
    Clock,
    PubSub,
    StockStore,
    UnitOfWork,
    UnitOfWorkFactory,
    Webhook,
)
from bolttickets.services.stock_sync import StockSync, give_back
from bolttickets.services.tickets import Tickets

log = structlog.get_logger("bolttickets.booking_payments")

# Reservations expired per transaction: a sweep takes what is due in bounded steps.
EXPIRED_PER_STEP = 200


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a payment event did: ``applied`` False for one seen before or about nothing."""

    event: PaymentEvent | None
    applied: bool


class BookingPayments:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        payments: Payments,
        stock: StockStore,
        pubsub: PubSub,
        sync: StockSync,
        audit: AuditLog,
        clock: Clock,
        on_late_payment: Callable[[], None] = lambda: None,
    ) -> None:
        """``on_late_payment`` is told of each payment refunded because it came too late."""
        self._uow = uow
        self._payments = payments
        self._stock = stock
        self._pubsub = pubsub
        self._sync = sync
        self._audit = audit
        self._clock = clock
        self._on_late_payment = on_late_payment

    async def checkout(self, actor: Actor, booking_id: UUID, provider: ProviderName) -> Checkout:
        """Start paying for the buyer's own reserved booking."""
        booking = await self._own(actor, booking_id)
        if booking.status is not BookingStatus.RESERVED or self._past_deadline(booking):
            raise BookingNotReserved(f"A {booking.status} booking cannot be paid.")
        started = await self._payments.start(
            provider, PaymentRequest(booking.id, booking.total_cents, booking.currency)
        )
        async with self._uow(write=True) as uow:
            noted = await uow.bookings.start_payment(booking.id, provider, started.payment_id)
            await uow.commit()
        if not noted:
            raise BookingNotReserved("The booking is no longer reserved.")
        return started

    async def receive(self, provider: ProviderName, webhook: Webhook) -> Outcome:
        """A provider's webhook: verified (InvalidWebhook changes nothing), then applied."""
        event = self._payments.verify(provider, webhook)
        if event is None:
            return Outcome(None, applied=False)
        return Outcome(event, await self.apply(event))

    async def pay_test_card(self, payment_id: str, card_number: str) -> PaymentEvent | None:
        """Pay with a test card of the built-in provider; its webhook takes the same path
        as Stripe's. None for the card that never answers."""
        webhook = self._payments.test_card_webhook(payment_id, card_number)
        if webhook is None:
            return None
        return (await self.receive(ProviderName.TEST, webhook)).event

    async def apply(self, event: PaymentEvent) -> bool:
        """Apply a verified event once: False when it was applied before or names no
        booking of ours (then nothing is recorded or changed)."""
        if event.kind is PaymentEventKind.SUCCEEDED:
            return await self._succeeded(event)
        if event.kind is PaymentEventKind.REFUNDED:
            return await self._refunded(event)
        return await self._record_only(event)

    async def _succeeded(self, event: PaymentEvent) -> bool:
        async with self._uow(write=True) as uow:
            booking = await uow.bookings.get(event.booking_id)
            if booking is None:
                log.warning("payment_for_unknown_booking", booking_id=str(event.booking_id))
                return False
            if not await uow.payment_events.record_once(event, self._clock.now()):
                return False
            paid = await self.mark_paid(uow, event)
            if paid is not None:
                await uow.commit()
                await publish_updates(
                    self._stock, self._pubsub, {paid.ticket_type_id: paid.event_id}, [paid]
                )
                return True
        # Not recorded until refunded: a crash in between leaves the event for the
        # provider's next delivery, which refunds again under the same idempotency key.
        await self._refund_late(event, booking)
        return await self._record_only(event)

    async def mark_paid(self, uow: UnitOfWork, event: PaymentEvent) -> Booking | None:
        """The one transition to paid, in the caller's transaction with the event's record
        (what else must happen when a booking is paid belongs here): the booking reserved
        for this payment, still before its deadline. None when it is not (expired,
        cancelled, paid by another payment): that payment is refunded."""
        booking = await uow.bookings.mark_paid(
            event.booking_id, self._clock.now(), event.provider, event.payment_id
        )
        if booking is not None:
            await Tickets.issue_for(uow, booking)
            log.info("booking_paid", booking_id=str(booking.id), payment_id=event.payment_id)
        return booking

    async def _refund_late(self, event: PaymentEvent, booking: Booking) -> None:
        if booking.status is BookingStatus.PAID and booking.payment_id == event.payment_id:
            return  # this very payment paid it: the event is a duplicate under another id
        log.warning(
            "late_payment_refunded",
            booking_id=str(booking.id),
            status=booking.status,
            payment_id=event.payment_id,
        )
        webhook = await self._payments.request_refund(event.provider, event.payment_id, booking.id)
        self._on_late_payment()
        await self._audit.record(
            AuditAction.LATE_PAYMENT_REFUNDED,
            actor=AuditActor(named("provider", event.provider), None),
            target=named("booking", booking.id),
            details={"payment_id": event.payment_id, "status": booking.status.value},
        )
        if webhook is not None:
            await self.receive(event.provider, webhook)

    async def _refunded(self, event: PaymentEvent) -> bool:
        """The provider refunded a payment: a paid booking of that payment (refunded from
        the provider's dashboard, or by ``refund`` below) gives its tickets back."""
        async with self._uow(write=True) as uow:
            booking = await uow.bookings.get(event.booking_id)
            if booking is None:
                return False
            if not await uow.payment_events.record_once(event, self._clock.now()):
                return False
            refunded = None
            if booking.payment_id == event.payment_id:
                refunded = await uow.bookings.refund(booking.id)
            if refunded is not None:
                await Tickets.void_for(uow, refunded)
            await uow.commit()
        if refunded is not None:
            await give_back(self._sync, self._stock, self._pubsub, [refunded])
        return True

    async def _record_only(self, event: PaymentEvent) -> bool:
        async with self._uow(write=True) as uow:
            if await uow.bookings.get(event.booking_id) is None:
                return False
            first = await uow.payment_events.record_once(event, self._clock.now())
            await uow.commit()
        return first

    async def refund(self, actor: Actor, booking_id: UUID) -> Booking:
        """Refund a paid booking: its buyer until the event's ``refunds_until``, its
        organiser or an admin any time. The provider refunds first (a failure changes
        nothing); its word (at once from the built-in provider, later from Stripe) finds the
        booking refunded already and is only recorded."""
        booking, may_manage = await self._refundable(actor, booking_id)
        if booking.status is not BookingStatus.PAID:
            raise BookingNotRefundable(f"A {booking.status} booking cannot be refunded.")
        if not may_manage:
            raise RefundWindowClosed()
        told = None
        if booking.payment_id is not None and booking.payment_provider is not None:
            provider = ProviderName(booking.payment_provider)
            webhook = await self._payments.request_refund(provider, booking.payment_id, booking.id)
            told = None if webhook is None else (provider, webhook)
        async with self._uow(write=True) as uow:
            refunded = await uow.bookings.refund(booking.id)
            if refunded is not None:
                await Tickets.void_for(uow, refunded)
                await self._audit.add(
                    uow,
                    AuditAction.BOOKING_REFUNDED,
                    actor=AuditActor(named("user", actor.user_id), None),
                    target=named("booking", booking.id),
                )
            await uow.commit()
        if refunded is not None:
            await give_back(self._sync, self._stock, self._pubsub, [refunded])
        if told is not None:
            await self.receive(*told)
        # None: refunded meanwhile by someone else, who gave the stock back.
        return refunded or await self._get(booking_id)

    async def expire_due(self) -> int:
        """Expire every reservation past its deadline, each exactly once whichever worker
        (or how many) runs this; their tickets go back to the sale. Returns how many."""
        expired = 0
        while True:
            async with self._uow(write=True) as uow:
                step = await uow.bookings.expire_due(self._clock.now(), EXPIRED_PER_STEP)
                await uow.commit()
            if step:
                log.info("reservations_expired", count=len(step))
                await give_back(self._sync, self._stock, self._pubsub, step)
            expired += len(step)
            if len(step) < EXPIRED_PER_STEP:
                return expired

    async def _own(self, actor: Actor, booking_id: UUID) -> Booking:
        booking = await self._get(booking_id)
        if booking.user_id != actor.user_id:
            raise NotFound(f"Booking {booking_id} does not exist.")
        return booking

    async def _refundable(self, actor: Actor, booking_id: UUID) -> tuple[Booking, bool]:
        """The booking, if the actor may see it, and whether they may refund it now."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
            event = None if booking is None else await uow.events.get(booking.event_id)
        if booking is None or event is None:
            raise NotFound(f"Booking {booking_id} does not exist.")
        manages = event.managed_by(actor.user_id, actor.role)
        if not manages and booking.user_id != actor.user_id:
            raise NotFound(f"Booking {booking_id} does not exist.")
        buyer_may = event.refunds_until is not None and self._clock.now() < event.refunds_until
        return booking, manages or buyer_may

    async def _get(self, booking_id: UUID) -> Booking:
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None:
            raise NotFound(f"Booking {booking_id} does not exist.")
        return booking

    def _past_deadline(self, booking: Booking) -> bool:
        return booking.expires_at is not None and booking.expires_at <= self._clock.now()
