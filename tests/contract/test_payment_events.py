"""Every payment event is recorded once, on the embedded database and on PostgreSQL, however
often and however concurrently it is delivered. What a recorded event does to a booking
(applied once, refused webhooks changing nothing) is tests/contract/test_booking_payments.py."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.tables import payment_events
from bolttickets.domain.errors import InvalidPayment
from bolttickets.domain.payments import (
    PaymentEvent,
    PaymentEventKind,
    PaymentRequest,
    ProviderName,
)
from bolttickets.services.payments import Payments

DELIVERIES = 5


async def record_once(database: Database, event: PaymentEvent) -> bool:
    """As the code that applies an event records it: in a transaction of its own here."""
    async with database.unit_of_work(write=True) as uow:
        first = await uow.payment_events.record_once(event, datetime.now(UTC))
        await uow.commit()
    return first


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
    event = an_event()
    assert [await record_once(database, event) for _ in range(DELIVERIES)] == [True] + [False] * 4
    # Event ids are unique per provider only.
    assert await record_once(database, an_event(ProviderName.TEST)) is True
    assert await record_once(database, an_event(event_id="evt_2")) is True
    assert len(await recorded(database)) == 3


async def test_concurrent_deliveries_of_one_event_record_it_once(database: Database) -> None:
    event = an_event()
    firsts = await asyncio.gather(*(record_once(database, event) for _ in range(DELIVERIES)))
    assert sorted(firsts) == [False] * 4 + [True]
    assert await recorded(database) == [("stripe", "evt_1", "pi_1", event.booking_id, "succeeded")]


async def test_a_provider_that_is_not_enabled_is_refused(sqlite_database: Database) -> None:
    service = Payments()
    assert service.enabled == []
    with pytest.raises(InvalidPayment):
        await service.start(ProviderName.STRIPE, PaymentRequest(uuid.uuid4(), 1000, "EUR"))
    with pytest.raises(InvalidPayment):
        service.test_card_webhook("tpay_x", "4242424242424242")
