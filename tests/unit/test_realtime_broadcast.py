"""A frame for every subscriber: written straight to an idle connection, queued behind what a
busy one has not sent yet, and a connection whose socket backs up is dropped."""

from __future__ import annotations

import asyncio
from typing import Any

from bolttickets.adapters.websocket_frames import FRAME_WRITER, text_frame
from bolttickets.api.realtime import _Client

LIMIT = 1000


class Writer:
    def __init__(self, buffered: int = 0, open_: bool = True) -> None:
        self.buffered = buffered
        self.open = open_
        self.written: list[bytes] = []

    def write(self, frames: bytes) -> bool:
        if self.open:
            self.written.append(frames)
        return self.open


class Socket:
    def __init__(self, writer: Writer | None) -> None:
        self.scope: dict[str, Any] = {"extensions": {FRAME_WRITER: writer} if writer else {}}


async def client(writer: Writer | None, *, idle: bool = True) -> _Client:
    loop = asyncio.get_running_loop()
    found = _Client(Socket(writer), loop.create_future(), LIMIT)  # type: ignore[arg-type]
    if idle:  # as the writer task leaves it once its outbox is empty
        found.wakeup = loop.create_future()
    return found


FRAMES = ['{"type":"inventory","version":1}', '{"type":"inventory","version":2}']
WIRE = b"".join(text_frame(f.encode()) for f in FRAMES)


def test_a_frame_is_the_same_bytes_for_every_connection() -> None:
    payload = FRAMES[0].encode()
    assert text_frame(payload) == bytes([0x81, len(payload)]) + payload  # FIN, text, unmasked


async def test_an_idle_connection_gets_the_frames_in_one_write() -> None:
    writer = Writer()
    subscriber = await client(writer)
    assert subscriber.broadcast(FRAMES, WIRE) == 2
    assert writer.written == [WIRE]
    assert not subscriber.outbox


async def test_frames_queue_behind_what_a_connection_has_not_sent() -> None:
    writer = Writer()
    subscriber = await client(writer)
    subscriber.send('{"type":"snapshot"}')  # wakes the writer: it is busy until it runs
    assert subscriber.broadcast(FRAMES, WIRE) == 0
    assert list(subscriber.outbox) == ['{"type":"snapshot"}', *FRAMES]
    assert writer.written == []


async def test_a_connection_whose_writer_has_not_started_queues() -> None:
    writer = Writer()
    subscriber = await client(writer, idle=False)
    assert subscriber.broadcast(FRAMES, WIRE) == 0
    assert list(subscriber.outbox) == FRAMES


async def test_without_the_server_s_writer_frames_go_through_the_queue() -> None:
    subscriber = await client(None)
    assert subscriber.broadcast(FRAMES, WIRE) == 0
    assert list(subscriber.outbox) == FRAMES


async def test_a_socket_backed_up_past_the_limit_drops_the_connection() -> None:
    writer = Writer(buffered=LIMIT - len(WIRE) + 1)
    subscriber = await client(writer)
    assert subscriber.broadcast(FRAMES, WIRE) == 0
    assert subscriber.too_slow and subscriber.closed.done()
    assert writer.written == []


async def test_a_closing_connection_is_not_written_to() -> None:
    writer = Writer(open_=False)
    subscriber = await client(writer)
    assert subscriber.broadcast(FRAMES, WIRE) == 0
    assert not subscriber.outbox
