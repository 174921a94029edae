"""An Idempotency-Key belongs to its user: Redis forgetting it, or a request slipping past
admission, never turns the same key with another body into a booking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from bolttickets.adapters.redis_stock import RedisStockStore
from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.ports import Admission
from tests.stack.conftest import Stack
from tests.support import Api, eventually

APIS = 1
WORKERS = 1


async def confirmed(api: Api, token: str, tt: str, quantity: int, key: str | None) -> str:
    response = await api.book(token, tt, quantity, key)
    assert response.status_code == 202, response.text
    booking_id: str = response.json()["booking_id"]
    assert (await api.final_statuses([(token, booking_id)]))[booking_id] == "reserved"
    return booking_id


def key(stack: Stack, tt: str, part: str) -> str:
    return f"{stack.redis_prefix}:{{{tt}}}:{part}"


async def test_a_key_redis_forgot_is_still_refused_with_another_body(
    stack: Stack, api: Api
) -> None:
    event = await api.create_event([10, 5], per_user_limit=4)
    tt, other = (t["id"] for t in event["ticket_types"])
    token = await api.new_buyer()
    booking_id = await confirmed(api, token, tt, 1, "forgotten")

    async def refused(ticket_type: str, quantity: int) -> None:
        response = await api.book(token, ticket_type, quantity, "forgotten")
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/idempotency-key-reused"

    async with stack.redis() as redis:
        # What 48 hours do to a key in Redis.
        await redis.hdel(key(stack, tt, "fingerprints"), booking_id)
        await refused(tt, 2)
        await redis.flushall()
    await refused(other, 1)
    await refused(tt, 2)
    assert await api.remaining(event["id"]) == {tt: 9, other: 5}
    again = await api.book(token, tt, 1, "forgotten")
    assert (again.status_code, again.json()) == (
        202,
        {"booking_id": booking_id, "status": "reserved"},
    )
    assert await stack.counts(tt) == {"reserved": 1}
    assert await stack.counts(other) == {}


async def test_a_reused_key_past_admission_gives_its_tickets_back(stack: Stack, api: Api) -> None:
    event = await api.create_event([10, 2], per_user_limit=1)
    tt, other = (t["id"] for t in event["ticket_types"])
    token, rival = await api.buyers(2)
    booking_id = await confirmed(api, token, tt, 1, "slipped")
    await confirmed(api, rival, other, 1, None)  # loads the other ticket type's stock
    [row] = await stack.sql(
        "SELECT user_id, event_id, currency, fingerprint FROM bookings WHERE id = $1",
        uuid.UUID(booking_id),
    )
    # The same key on the other ticket type, as a race or a forgotten key lets it past
    # admission: a hold under the confirmed booking's id, which the sweeper sends on.
    slipped = BookingRequest(
        booking_id=uuid.UUID(booking_id),
        user_id=row["user_id"],
        event_id=row["event_id"],
        ticket_type_id=uuid.UUID(other),
        quantity=1,
        unit_price_cents=1001,
        currency=row["currency"],
        idempotency_key="slipped",
        fingerprint=fingerprint(uuid.UUID(other), 1),
        created_at=datetime.now(UTC),
    )
    assert slipped.fingerprint != row["fingerprint"]
    async with stack.redis() as redis:
        store = RedisStockStore(redis, stack.redis_prefix)
        await store.start()
        assert await store.reserve(slipped) is Admission.RESERVED
        await eventually(
            lambda: redis.hexists(key(stack, other, "holds"), booking_id),
            lambda held: not held,
            timeout=60,
        )
        assert await redis.hget(key(stack, other, "users"), str(row["user_id"])) is None

    assert (await api.booking(token, booking_id))["ticket_type_id"] == tt
    assert await stack.counts(other) == {"reserved": 1}
    await eventually(
        lambda: api.remaining(event["id"]), lambda left: left == {tt: 9, other: 1}, timeout=30
    )
    await confirmed(api, token, other, 1, "next")
    assert await stack.counts(other) == {"reserved": 2}
    assert await stack.sold(other) == 2
