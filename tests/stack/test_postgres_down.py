"""PostgreSQL stopped mid-sale: what needs it answers 503 with Retry-After (never a 500),
bookings are still admitted, and once it is back every one of them is confirmed."""

from __future__ import annotations

import asyncio

from tests.chaos.nemesis import services
from tests.stack.conftest import Stack
from tests.support import Api

APIS = 1
WORKERS = 1


async def test_a_stopped_database_is_a_503_and_loses_nothing(stack: Stack, api: Api) -> None:
    event = await api.create_event([40])
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(10)
    first = await asyncio.gather(*(api.book(t, tt) for t in tokens))
    before = [(t, r.json()["booking_id"]) for t, r in zip(tokens, first, strict=True)]
    await api.final_statuses(before)

    await services("stop", "postgres")
    try:
        token, booking_id = before[0]
        lookup = await api.http.get(f"/api/bookings/{booking_id}", headers=api.auth(token))
        assert lookup.status_code == 503, lookup.text
        assert lookup.headers["retry-after"]
        assert lookup.json()["type"] == "/problems/database-unavailable"
        # Admission needs only the stock and the queue: the sale goes on.
        second = await asyncio.gather(*(api.book(t, tt) for t in tokens))
        assert {r.status_code for r in second} == {202}, [r.text for r in second]
    finally:
        await services("start", "postgres")

    during = [(t, r.json()["booking_id"]) for t, r in zip(tokens, second, strict=True)]
    statuses = await api.final_statuses(during, timeout=90)
    assert set(statuses.values()) == {"confirmed"}
    assert await stack.counts(tt) == {"confirmed": 20}
    assert await stack.sold(tt) == 20
