from __future__ import annotations

import asyncio

from tests.support import Api, Server, Socket


async def test_a_subscriber_sees_the_sale_and_the_buyer_sees_their_booking(
    server: Server, api: Api
) -> None:
    event = await api.create_event([20])
    tt = event["ticket_types"][0]["id"]
    watcher = await Socket.open(server)
    await watcher.send(type="subscribe", event_id=event["id"])
    snapshot = await watcher.wait_for(lambda f: f["type"] == "snapshot")
    assert snapshot["ticket_types"][0]["remaining"] == 20
    assert snapshot["event_id"] == event["id"]

    # Exactly the capacity (10 x 2): no buyer is refused, whatever order they arrive in.
    tokens = await api.buyers(10)
    buyer = await Socket.open(server)
    await buyer.send(type="auth", token=tokens[0])
    await buyer.wait_for(lambda f: f["type"] == "authenticated")

    responses = await asyncio.gather(*(api.book(t, tt, 2) for t in tokens))
    mine = responses[0].json()["booking_id"]
    pushed = await buyer.wait_for(
        lambda f: f["type"] == "booking" and f["booking_id"] == mine and f["status"] == "reserved"
    )
    await watcher.wait_for(lambda f: f["type"] == "inventory" and f["remaining"] == 0)
    versions = [f["version"] for f in watcher.of_type("inventory")]
    assert versions == sorted(versions) and versions[0] > snapshot["version"]

    def about_mine() -> list[dict[str, object]]:
        return [f for f in buyer.of_type("booking") if f["booking_id"] == mine]

    seen = len(about_mine())
    await buyer.send(type="watch", booking_id=mine)
    await buyer.wait_for(lambda _: len(about_mine()) > seen)
    assert about_mine()[-1] == pushed  # a watched booking reads as the pushed one
    await watcher.close()
    await buyer.close()


async def test_bad_frames_get_an_error_not_a_disconnect(server: Server, api: Api) -> None:
    socket = await Socket.open(server)
    await socket.connection.send("not json")
    await socket.send(type="subscribe", event_id="not-a-uuid")
    await socket.send(type="watch", booking_id="00000000-0000-0000-0000-000000000000")
    await socket.send(type="auth", token="tampered.token.value")
    await socket.send(type="nonsense")
    errors = await socket.wait_for(lambda f: len(socket.of_type("error")) >= 5)
    assert errors["type"] == "error"
    event = await api.create_event([1])
    await socket.send(type="subscribe", event_id=event["id"])
    await socket.wait_for(lambda f: f["type"] == "snapshot")
    await socket.close()
