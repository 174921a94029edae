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
    assert list(statuses.values()).count("reserved") == CAPACITY
    assert set(statuses.values()) <= {"reserved", "rejected"}

    counts = await stack.counts(tt)
    assert counts.get("reserved") == CAPACITY and "pending" not in counts
    assert await stack.sold(tt) == CAPACITY
    per_user = await stack.sql(
        "SELECT MAX(n) AS most FROM (SELECT user_id, SUM(quantity) AS n FROM bookings "
        "WHERE status IN ('reserved', 'paid') GROUP BY user_id) t"
    )
    assert per_user[0]["most"] <= 2
    assert (await api.remaining(event["id"]))[tt] == 0
    await watcher.wait_for(
        lambda f: f["type"] == "inventory" and f["ticket_type_id"] == tt and f["remaining"] == 0
    )
    assert watcher.of_type("inventory")[-1]["remaining"] == 0
    await watcher.close()
    await api_b.close()


async def test_a_lost_backplane_connection_resends_snapshots(stack: Stack, api: Api) -> None:
    event = await api.create_event([10])
    watcher = await Socket.open(stack.apis[0])
    await watcher.send(type="subscribe", event_id=event["id"])
    await watcher.wait_for(lambda f: f["type"] == "snapshot")
    async with stack.redis() as redis:
        await redis.client_kill_filter(_type="pubsub")
    await watcher.wait_for(lambda _: len(watcher.of_type("snapshot")) >= 2)
    # And the backplane works again: a sale through API B reaches the watcher on API A.
    token = await api.new_buyer()
    tt = event["ticket_types"][0]["id"]
    assert (await Api(stack.apis[1]).book(token, tt, 3)).status_code == 202
    await watcher.wait_for(lambda f: f["type"] == "inventory" and f["remaining"] == 7)
    await watcher.close()
