"""The flash sale of the first issue, on the embedded default: 100 tickets, 200 buyers,
600 requests with at least 64 in flight, over real sockets."""

from __future__ import annotations

import asyncio
import random

from tests.support import Api, Server, Socket, booking_status_counts

CAPACITY = 100
BUYERS = 200
REQUESTS = 600


async def test_flash_sale_sells_exactly_the_capacity(server: Server, api: Api) -> None:
    event = await api.create_event([CAPACITY])
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(BUYERS)
    watcher = await Socket.open(server)
    await watcher.send(type="subscribe", event_id=event["id"])
    await watcher.wait_for(lambda f: f["type"] == "snapshot")

    buyers = [tokens[i % BUYERS] for i in range(REQUESTS)]
    random.shuffle(buyers)
    responses = await asyncio.gather(*(api.book(token, tt) for token in buyers))

    assert api.in_flight.peak >= 64
    codes = [r.status_code for r in responses]
    assert set(codes) <= {202, 409}, codes
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {p["type"] for p in refused} <= {"/problems/sold-out"}
    accepted = [
        (buyers[i], r.json()["booking_id"]) for i, r in enumerate(responses) if r.status_code == 202
    ]
    statuses = await api.final_statuses(accepted)
    confirmed = [b for b, s in statuses.items() if s == "reserved"]
    assert len(confirmed) == CAPACITY
    assert set(statuses.values()) <= {"reserved", "rejected"}
    assert len(accepted) + len(refused) == REQUESTS

    counts = booking_status_counts(server, tt)
    assert counts.get("reserved") == CAPACITY and "pending" not in counts
    [(sold,)] = server.query("SELECT sold FROM ticket_types WHERE id = ?", tt.replace("-", ""))
    assert sold == CAPACITY
    assert (await api.remaining(event["id"]))[tt] == 0
    last = await watcher.wait_for(
        lambda f: f["type"] == "inventory" and f["ticket_type_id"] == tt and f["remaining"] == 0
    )
    assert last is watcher.of_type("inventory")[-1]
    await watcher.close()
