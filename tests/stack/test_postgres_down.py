"""PostgreSQL stopped mid-sale: what needs it answers 503 with Retry-After (never a 500),
bookings are still admitted, the worker's readiness says why it is not confirming them,
and once the database is back every one of them is confirmed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.stack.conftest import Stack
from tests.support import Api, Server, eventually, services

APIS = 1
WORKERS = 1


async def test_a_stopped_database_is_a_503_and_loses_nothing(stack: Stack, api: Api) -> None:
    event = await api.create_event([40])
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(10)
    first = await asyncio.gather(*(api.book(t, tt) for t in tokens))
    before = [(t, r.json()["booking_id"]) for t, r in zip(tokens, first, strict=True)]
    await api.final_statuses(before)
    [worker] = stack.workers
    async with httpx.AsyncClient(base_url=worker.url) as client:
        assert (await client.get("/health/live")).status_code == 200
        decided = (await client.get("/metrics")).text
    assert 'bolttickets_bookings_decided_total{reason="none",status="reserved"} 10.0' in decided

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
        not_ready = await eventually(
            lambda: readiness(worker),
            lambda body: "the database is unavailable" in body["checks"]["worker"],
            timeout=90,
        )
        assert not_ready["status"] == "unavailable"
    finally:
        await services("start", "postgres")

    during = [(t, r.json()["booking_id"]) for t, r in zip(tokens, second, strict=True)]
    statuses = await api.final_statuses(during, timeout=90)
    assert set(statuses.values()) == {"reserved"}
    assert await stack.counts(tt) == {"reserved": 20}
    assert await stack.sold(tt) == 20
    await eventually(lambda: readiness(worker), lambda body: body["status"] == "ready")


async def readiness(worker: Server) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=worker.url) as client:
        response = await client.get("/health/ready")
    body: dict[str, Any] = response.json()
    assert response.status_code == (200 if body["status"] == "ready" else 503)
    return body
