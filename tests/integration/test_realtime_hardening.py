"""The realtime socket against hostile or careless clients, on a real server."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid

import pytest
import websockets

from tests.support import Api, Server, Socket

OUTBOX_BYTES = 4096
MESSAGE_BYTES = 512
SERVER_ENV = {
    "BOLT_WS_OUTBOX_BYTES": str(OUTBOX_BYTES),
    "BOLT_WS_MAX_MESSAGE_BYTES": str(MESSAGE_BYTES),
}


async def metric(api: Api, name: str) -> float:
    text = (await api.internal.get("/metrics")).text
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_a_foreign_origin_is_refused_at_the_handshake(server: Server) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws_url, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    for origin in (server.url, None):  # our page, or a client that is no browser
        connection = await websockets.connect(server.ws_url, origin=origin)
        await connection.close()


async def test_binary_and_bad_frames_get_our_words_not_theirs(server: Server, api: Api) -> None:
    socket_ = await Socket.open(server)
    marker = "zz-echo-canary"
    await socket_.connection.send(marker.encode())
    await socket_.send(type=marker)
    await socket_.send(type="subscribe", event_id=marker)
    await socket_.send(type="subscribe", event_id=str(uuid.uuid4()))
    await socket_.wait_for(lambda _: len(socket_.of_type("error")) >= 4)
    details = [f["detail"] for f in socket_.of_type("error")]
    assert "Binary" in details[0]
    assert not any(marker in detail for detail in details)
    assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", detail) for detail in details)
    event = await api.create_event([1])
    await socket_.send(type="subscribe", event_id=event["id"])
    await socket_.wait_for(lambda f: f["type"] == "snapshot")  # still open
    await socket_.close()


async def test_unknown_events_hold_no_subscription(server: Server, api: Api) -> None:
    socket_ = await Socket.open(server)
    before = await metric(api, "bolttickets_websocket_subscriptions")
    for _ in range(5):
        await socket_.send(type="subscribe", event_id=str(uuid.uuid4()))
    await socket_.wait_for(lambda _: len(socket_.of_type("error")) >= 5)
    event = await api.create_event([1])
    await socket_.send(type="subscribe", event_id=event["id"])
    await socket_.wait_for(lambda f: f["type"] == "snapshot")
    assert await metric(api, "bolttickets_websocket_subscriptions") == before + 1
    await socket_.close()


async def test_a_message_past_the_size_limit_closes_the_socket(server: Server) -> None:
    connection = await websockets.connect(server.ws_url)
    await connection.send('{"type": "pong", "pad": "' + "x" * MESSAGE_BYTES + '"}')
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(connection.recv(), 60)
    assert connection.close_code == 1009


async def test_a_reader_that_falls_behind_is_disconnected(server: Server, api: Api) -> None:
    dropped = 'bolttickets_realtime_messages_dropped_total{reason="slow_reader"}'
    before = await metric(api, dropped)
    # A tiny receive window, and a client that reads nothing while each of its messages
    # earns an error frame 60 times its size: the frames pile up in the server's outbox
    # once the socket buffers between the two are full.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    connection = await websockets.connect(server.ws_url, sock=sock, max_queue=1, ping_interval=None)

    async def flood_then_read() -> None:
        for _ in range(100_000):  # 13 MB of error frames, more than any socket buffers
            await connection.send("{}")
        async for _ in connection:  # reading again: the frames still sent, then the end
            pass

    with pytest.raises(websockets.ConnectionClosedError):
        await asyncio.wait_for(flood_then_read(), 300)
    # 1013 when the server's closing frame got through the full buffers, 1006 when the
    # server gave up waiting and dropped the connection.
    assert connection.close_code in (1013, 1006)
    assert await metric(api, dropped) > before
