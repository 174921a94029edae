"""A reserved booking's way to paid, expired or refunded, on SQLite with the in-memory stock
store and on PostgreSQL with Redis: each change once, whoever races it, and the stock back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
import redis.asyncio as aioredis
import sqlalchemy as sa

from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.payments_builtin import BuiltinTestPayments
from bolttickets.adapters.payments_stripe import StripeProvider
from bolttickets.adapters.redis_stock import RedisStockStore
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.tables import payment_events, ticket_types
from bolttickets.domain.errors import (
    BookingNotRefundable,
    BookingNotReserved,
    InvalidWebhook,
    RefundWindowClosed,
)
from bolttickets.domain.model import Booking, BookingStatus, Role, User
from bolttickets.domain.payments import ProviderName
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditLog
from bolttickets.services.batch import QueuePosition, apply_batch
from bolttickets.services.booking_payments import BookingPayments
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog, NewTicketType
from bolttickets.services.payments import Payments
from bolttickets.services.ports import StockStore, Webhook
from bolttickets.services.stock_sync import StockSync
from tests.stripe_webhooks import WEBHOOK_SECRET, intent, signed, stripe_event
from tests.unit.fakes import FakeClock, FakePubSub, FakeQueue

SECRET = "test-payments-secret"
PAYS, DECLINED, SILENT = "4242424242424242", "4000000000000002", "4000000000009995"
WINDOW = 60


@dataclass
class World:
    db: Database
    clock: FakeClock
    stock: StockStore
    queue: FakeQueue
    pubsub: FakePubSub
    bookings: Bookings
    payments: BookingPayments
    late_refunds: list[None]
    offset: int = 0

    async def event(
        self,
        capacity: int,
        price_cents: int = 2500,
        refunds_until: datetime | None = None,
        per_user_limit: int | None = None,
    ) -> UUID:
        view = await self.bookings._catalog.create_event(
            "Show",
            "Hall",
            self.clock.now() + timedelta(days=10),
            None,
            [NewTicketType("GA", price_cents, "EUR", capacity, per_user_limit)],
            organizer_id=None,
            payment_window_seconds=WINDOW,
            refunds_until=refunds_until,
        )
        return view.event.ticket_types[0].id

    async def buyer(self) -> Actor:
        user = User(uuid4(), f"{uuid4().hex}@example.com", "hash", Role.CUSTOMER, self.clock.now())
        async with self.db.unit_of_work(write=True) as uow:
            await uow.users.add(user)
            await uow.commit()
        return Actor(user.id, Role.CUSTOMER)

    async def reserve(self, tt: UUID, buyers: int = 1) -> list[tuple[Actor, Booking]]:
        """``buyers`` bookings of one ticket each, decided by the worker's batch."""
        placed = []
        for _ in range(buyers):
            actor = await self.buyer()
            placed.append((actor, await self.bookings.place(actor, tt, 1, None)))
        requests, self.queue.sent = self.queue.sent, []
        self.offset += len(requests)
        outcome = await apply_batch(
            self.db.unit_of_work, requests, QueuePosition("g", "t", {0: self.offset}), self.now()
        )
        await self.stock.settle(outcome.settlements)
        return [(actor, await self.bookings.get(actor, p.booking_id)) for actor, p in placed]

    def now(self) -> datetime:
        return self.clock.now()

    async def status(self, booking_id: UUID) -> BookingStatus:
        async with self.db.unit_of_work() as uow:
            booking = await uow.bookings.get(booking_id)
        assert booking is not None
        return booking.status

    async def events_of(self, booking_id: UUID) -> list[str]:
        async with self.db.writer.connect() as conn:
            rows = await conn.execute(
                sa.select(payment_events.c.kind).where(payment_events.c.booking_id == booking_id)
            )
            return sorted(rows.scalars())

    async def sold(self, tt: UUID) -> int:
        async with self.db.writer.connect() as conn:
            return int(
                (
                    await conn.execute(
                        sa.select(ticket_types.c.sold).where(ticket_types.c.id == tt)
                    )
                ).scalar_one()
            )

    async def remaining(self, tt: UUID) -> int:
        return (await self.stock.inventory([tt]))[tt].remaining

    async def checkout(self, actor: Actor, booking: Booking) -> str:
        started = await self.payments.checkout(actor, booking.id, ProviderName.TEST)
        return started.payment_id


@pytest.fixture
def redis_beside(database: Database, request: pytest.FixtureRequest) -> aioredis.Redis | None:
    """Redis beside PostgreSQL; None beside SQLite, which has the in-memory stock store."""
    if database.writer.dialect.name != "postgresql":
        return None
    client: aioredis.Redis = request.getfixturevalue("redis_client")
    return client


@pytest.fixture
async def world(database: Database, redis_beside: aioredis.Redis | None) -> AsyncIterator[World]:
    # The builtin provider stamps its webhooks with this clock and they are checked against
    # the real time: it starts now, and only ever moves on.
    clock = FakeClock(datetime.now(UTC))
    stock: StockStore
    namespace = f"bolt-test-{uuid4().hex}"
    redis_client = redis_beside
    if redis_client is not None:
        stock = RedisStockStore(redis_client, namespace)
        await stock.start()
    else:
        stock = MemoryStockStore(clock)
    sync = StockSync(database.unit_of_work, stock)
    queue, pubsub = FakeQueue(), FakePubSub()
    catalog = Catalog(database.unit_of_work, stock, sync, clock)
    bookings = Bookings(
        database.unit_of_work, database.reads, stock, queue, pubsub, catalog, sync, clock
    )
    stripe = StripeProvider("sk_test_unused", WEBHOOK_SECRET, api_base="http://127.0.0.1:9")
    payments = Payments(test=BuiltinTestPayments(SECRET, clock), stripe=stripe)
    late: list[None] = []
    service = BookingPayments(
        database.unit_of_work,
        payments,
        stock,
        pubsub,
        sync,
        AuditLog(database.unit_of_work, clock),
        clock,
        on_late_payment=lambda: late.append(None),
    )
    yield World(database, clock, stock, queue, pubsub, bookings, service, late)
    await stripe.close()
    if redis_client is not None:
        async for key in redis_client.scan_iter(match=f"{namespace}:*", count=1000):
            await redis_client.unlink(key)


async def test_a_priced_booking_is_reserved_until_its_window_ends_and_a_free_one_is_paid(
    world: World,
) -> None:
    priced = await world.event(5)
    free = await world.event(5, price_cents=0)
    [(_, reserved)] = await world.reserve(priced)
    [(_, paid)] = await world.reserve(free)

    assert reserved.status is BookingStatus.RESERVED
    assert reserved.expires_at == world.now() + timedelta(seconds=WINDOW)
    assert (paid.status, paid.expires_at) == (BookingStatus.PAID, None)
    assert await world.sold(priced) == 1 and await world.sold(free) == 1


async def test_a_test_card_pays_once_however_often_its_webhook_comes(world: World) -> None:
    tt = await world.event(5)
    [(actor, booking)] = await world.reserve(tt)
    payment_id = await world.checkout(actor, booking)
    webhook = world.payments._payments.test_card_webhook(payment_id, PAYS)
    assert webhook is not None

    outcomes = await asyncio.gather(
        *(world.payments.receive(ProviderName.TEST, webhook) for _ in range(5))
    )

    assert sum(o.applied for o in outcomes) == 1
    paid = await world.bookings.get(actor, booking.id)
    assert (paid.status, paid.payment_id, paid.expires_at) == (BookingStatus.PAID, payment_id, None)
    assert await world.events_of(booking.id) == ["succeeded"]
    assert await world.sold(tt) == 1
    with pytest.raises(BookingNotReserved):
        await world.payments.checkout(actor, booking.id, ProviderName.TEST)


async def test_a_declined_or_unanswered_card_leaves_the_booking_reserved(world: World) -> None:
    tt = await world.event(5)
    [(actor, booking)] = await world.reserve(tt)
    payment_id = await world.checkout(actor, booking)

    declined = await world.payments.pay_test_card(payment_id, DECLINED)
    assert await world.payments.pay_test_card(payment_id, SILENT) is None

    assert declined is not None and declined.kind == "failed"
    assert await world.status(booking.id) is BookingStatus.RESERVED
    assert await world.events_of(booking.id) == ["failed"]


def stripe_succeeded(booking: Booking, *, at: float | None = None) -> Webhook:
    return signed(
        stripe_event("payment_intent.succeeded", intent("pi_123", booking.id)),
        WEBHOOK_SECRET,
        at=at,
    )


async def test_forged_stale_and_unknown_webhooks_change_nothing(world: World) -> None:
    tt = await world.event(5)
    [(_, booking)] = await world.reserve(tt)
    genuine = stripe_succeeded(booking)
    forged = Webhook(genuine.body, {"stripe-signature": "t=1,v1=" + "0" * 64})
    foreign = signed(genuine.body, "whsec_someone_else")
    stale = stripe_succeeded(booking, at=world.now().timestamp() - 600)

    for refused in (forged, foreign, stale):
        with pytest.raises(InvalidWebhook):
            await world.payments.receive(ProviderName.STRIPE, refused)
    unknown = await world.payments.receive(
        ProviderName.STRIPE,
        signed(stripe_event("payment_intent.succeeded", intent("pi_9", uuid4())), WEBHOOK_SECRET),
    )

    assert not unknown.applied
    assert await world.status(booking.id) is BookingStatus.RESERVED
    assert await world.events_of(booking.id) == []


async def test_a_replayed_stripe_event_applies_once(world: World) -> None:
    tt = await world.event(5)
    [(actor, booking)] = await world.reserve(tt)
    event = stripe_succeeded(booking)

    first = await world.payments.receive(ProviderName.STRIPE, event)
    again = [await world.payments.receive(ProviderName.STRIPE, event) for _ in range(4)]

    assert first.applied and not any(o.applied for o in again)
    paid = await world.bookings.get(actor, booking.id)
    # The payment that paid it is the one a refund gives back.
    assert (paid.status, paid.payment_provider, paid.payment_id) == (
        BookingStatus.PAID,
        "stripe",
        "pi_123",
    )
    assert await world.events_of(booking.id) == ["succeeded"]


async def test_reservations_past_their_deadline_expire_once_and_return_their_stock(
    world: World,
) -> None:
    tt = await world.event(30, per_user_limit=1)
    reserved = await world.reserve(tt, buyers=20)
    assert await world.remaining(tt) == 10
    world.clock.advance(WINDOW - 1)
    assert await world.payments.expire_due() == 0

    world.clock.advance(1)
    counts = await asyncio.gather(*(world.payments.expire_due() for _ in range(5)))

    assert sum(counts) == 20
    assert {await world.status(b.id) for _, b in reserved} == {BookingStatus.EXPIRED}
    assert await world.sold(tt) == 0
    assert await world.remaining(tt) == 30
    # The buyers' counts came back too: each may buy their one ticket again.
    actor, _ = reserved[0]
    assert (await world.bookings.place(actor, tt, 1, None)).status is BookingStatus.PENDING


async def test_a_payment_after_the_expiry_is_refunded_and_the_booking_stays_expired(
    world: World,
) -> None:
    tt = await world.event(5)
    [(actor, booking)] = await world.reserve(tt)
    payment_id = await world.checkout(actor, booking)
    world.clock.advance(WINDOW)
    assert await world.payments.expire_due() == 1

    event = await world.payments.pay_test_card(payment_id, PAYS)

    assert event is not None and event.kind == "succeeded"
    assert await world.status(booking.id) is BookingStatus.EXPIRED
    assert await world.events_of(booking.id) == ["refunded", "succeeded"]
    assert len(world.late_refunds) == 1
    assert await world.sold(tt) == 0 and await world.remaining(tt) == 5


async def test_a_payment_racing_the_expiry_ends_paid_or_expired_and_refunded(
    world: World,
) -> None:
    """The payer's process still sees the reservation valid while the worker's clock is
    past the deadline: the database decides, once per booking."""
    capacity = 20
    tt = await world.event(capacity)
    reserved = await world.reserve(tt, buyers=capacity)
    webhooks = []
    for actor, booking in reserved:
        payment_id = await world.checkout(actor, booking)
        webhook = world.payments._payments.test_card_webhook(payment_id, PAYS)
        assert webhook is not None
        webhooks.append(webhook)
    late_clock = FakeClock(world.now() + timedelta(seconds=WINDOW))
    sweeper = BookingPayments(
        world.db.unit_of_work,
        world.payments._payments,
        world.stock,
        world.pubsub,
        world.bookings._sync,
        AuditLog(world.db.unit_of_work, late_clock),
        late_clock,
    )

    await asyncio.gather(
        sweeper.expire_due(),
        *(world.payments.receive(ProviderName.TEST, w) for w in webhooks),
    )
    await sweeper.expire_due()

    statuses = [await world.status(b.id) for _, b in reserved]
    paid = statuses.count(BookingStatus.PAID)
    assert paid + statuses.count(BookingStatus.EXPIRED) == capacity
    for (_, booking), status in zip(reserved, statuses, strict=True):
        kinds = await world.events_of(booking.id)
        assert kinds == (
            ["succeeded"] if status is BookingStatus.PAID else ["refunded", "succeeded"]
        )
    assert len(world.late_refunds) == capacity - paid
    assert await world.sold(tt) == paid
    assert await world.remaining(tt) == capacity - paid


async def test_a_refund_returns_the_tickets_and_respects_the_refund_window(
    world: World,
) -> None:
    tt = await world.event(5, refunds_until=datetime.now(UTC) + timedelta(hours=1))
    [(actor, booking), (other, second)] = await world.reserve(tt, buyers=2)
    with pytest.raises(BookingNotRefundable):
        await world.payments.refund(actor, booking.id)
    for buyer, b in ((actor, booking), (other, second)):
        await world.payments.pay_test_card(await world.checkout(buyer, b), PAYS)
    assert await world.remaining(tt) == 3

    refunded = await world.payments.refund(actor, booking.id)

    assert refunded.status is BookingStatus.REFUNDED
    assert await world.events_of(booking.id) == ["refunded", "succeeded"]
    assert await world.sold(tt) == 1 and await world.remaining(tt) == 4
    world.clock.advance(2 * 3600)  # the buyers' refund window is over
    with pytest.raises(RefundWindowClosed):
        await world.payments.refund(other, second.id)
    admin = Actor(uuid4(), Role.ADMIN)
    assert (await world.payments.refund(admin, second.id)).status is BookingStatus.REFUNDED
    assert await world.sold(tt) == 0 and await world.remaining(tt) == 5
