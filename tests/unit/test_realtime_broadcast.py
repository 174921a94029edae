"""A frame for every subscriber: written straight to an idle connection, queued behind what a
busy one has not sent yet, and a connection whose socket backs up is dropped. The hub sends
only the latest of a backlog of room frames, and lets other tasks run during a broadcast."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import orjson

from bolttickets.adapters.websocket_frames import FRAME_WRITER, text_frame
from bolttickets.api.realtime import RealtimeHub, _Client

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


class Backlog:
    """A subscription whose messages have all arrived already, as when the hub fell behind."""

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for message in self.messages:
            yield message

    async def close(self) -> None:
        pass


def hub_with(event_id: UUID, subscribers: list[_Client]) -> RealtimeHub:
    hub = RealtimeHub(None, None, None, None, None)  # type: ignore[arg-type]
    for subscriber in subscribers:
        subscriber.events.add(event_id)
        hub._by_event[event_id].add(subscriber)
    return hub


def room_frame(event_id: UUID, now_serving: int) -> bytes:
    return orjson.dumps(
        {
            "type": "waiting_room",
            "event_id": str(event_id),
            "state": "waiting",
            "now_serving": now_serving,
            "admit_per_minute": 60,
        }
    )


async def test_a_backlog_of_room_ticks_goes_out_as_the_latest_one() -> None:
    event_id = uuid4()
    writer = Writer()
    hub = hub_with(event_id, [await client(writer)])
    ticks = [room_frame(event_id, serving) for serving in range(1, 51)]
    await hub._forward_event_frames(Backlog(ticks))  # type: ignore[arg-type]
    await hub.flush()
    assert writer.written == [text_frame(ticks[-1])]


async def test_a_broadcast_to_many_lets_other_tasks_run() -> None:
    event_id = uuid4()
    writers = [Writer() for _ in range(3000)]
    hub = hub_with(event_id, [await client(writer) for writer in writers])
    await hub._forward_event_frames(Backlog([room_frame(event_id, 1)]))  # type: ignore[arg-type]
    written_when_it_ran: list[int] = []

    async def probe() -> None:
        written_when_it_ran.append(sum(len(w.written) for w in writers))

    task = asyncio.create_task(probe())
    await hub.flush()
    await task
    assert 0 < written_when_it_ran[0] < len(writers)
    assert all(len(w.written) == 1 for w in writers)
