"""An event's changes reach its subscribers on a real server as one frame encoded once and
written straight to each socket, after what each connection had been sent before."""

from __future__ import annotations

import re

from tests.support import Api, Server, Socket

SUBSCRIBERS = 20
DIRECT = 'bolttickets_realtime_messages_sent_total{path="direct"}'


async def sent_directly(api: Api) -> float:
    text = (await api.internal.get("/metrics")).text
    found = re.search(rf"^{re.escape(DIRECT)} ([0-9.e+]+)$", text, re.MULTILINE)
    assert found, "the server counts frames written straight to the socket"
    return float(found.group(1))


async def test_a_change_is_written_straight_to_every_subscriber_after_its_snapshot(
    server: Server, api: Api
) -> None:
    event = await api.create_event([10])
    ticket_type = event["ticket_types"][0]["id"]
    sockets = [await Socket.open(server) for _ in range(SUBSCRIBERS)]
    for socket_ in sockets:
        await socket_.send(type="subscribe", event_id=event["id"])
    for socket_ in sockets:
        await socket_.wait_for(lambda f: f["type"] == "snapshot")
    before = await sent_directly(api)

    response = await api.book(await api.new_buyer(), ticket_type)
    assert response.status_code == 202, response.text

    for socket_ in sockets:
        await socket_.wait_for(lambda f: f["type"] == "inventory" and f["remaining"] == 9)
        kinds = [f["type"] for f in socket_.frames]
        assert kinds.index("snapshot") < kinds.index("inventory")
        await socket_.close()
    # Every subscriber's frame went out by the direct path (other tests' sockets may add more).
    assert await sent_directly(api) - before >= SUBSCRIBERS
