"""The flash sale on two API processes and two workers, with a WebSocket client on API A
watching a sale made through API B."""

from __future__ import annotations

import asyncio
import random

from tests.stack.conftest import Stack
from tests.support import Api, Socket

CAPACITY = 100
BUYERS = 200
REQUESTS = 600


async def test_flash_sale_across_processes(stack: Stack, api: Api) -> None:
    api_b = Api(stack.apis[1])
    event = await api.create_event([CAPACITY], per_user_limit=2)
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(BUYERS)
    watcher = await Socket.open(stack.apis[0])
    await watcher.send(type="subscribe", event_id=event["id"])
    await watcher.wait_for(lambda f: f["type"] == "snapshot")

    buyers = [tokens[i % BUYERS] for i in range(REQUESTS)]
    random.shuffle(buyers)
    responses = await asyncio.gather(
        *(api_b.book(t, tt, 1, f"k-{i}") for i, t in enumerate(buyers))
    )
    assert api_b.in_flight.peak >= 64
    assert {r.status_code for r in responses} <= {202, 409}
    accepted = [
        (buyers[i], r.json()["booking_id"]) for i, r in enumerate(responses) if r.status_code == 202
    ]
    statuses = await api_b.final_statuses(accepted)
    assert list(statuses.values()).count("confirmed") == CAPACITY
    assert set(statuses.values()) <= {"confirmed", "rejected"}

    counts = await stack.counts(tt)
    assert counts.get("confirmed") == CAPACITY and "pending" not in counts
    assert await stack.sold(tt) == CAPACITY
    per_user = await stack.sql(
        "SELECT MAX(n) AS most FROM (SELECT user_id, SUM(quantity) AS n FROM bookings "
        "WHERE status = 'confirmed' GROUP BY user_id) t"
    )
    assert per_user[0]["most"] <= 2
    assert (await api.remaining(event["id"]))[tt] == 0
    await watcher.wait_for(
        lambda f: f["type"] == "inventory" and f["ticket_type_id"] == tt and f["remaining"] == 0
    )
    assert watcher.of_type("inventory")[-1]["remaining"] == 0
    await watcher.close()
    await api_b.close()
