"""One subscriber process of the fan-out benchmark: many WebSocket clients on one event loop.

Run as ``python -m bench.fanout_subscribers URL EVENT_ID COUNT WAVE deflate|none KIND``,
KIND being which frames it times: ``inventory`` (keyed by their version) or
``waiting_room`` (keyed by their ``now_serving`` while the room waits, ``SOLD_OUT`` once it
sold out; each key timed once per connection, as the room repeats its frame every tick).
It talks to the benchmark over its standard streams, one JSON object a line:

- out ``{"t": "connected", "n"}`` after each wave, ``n`` counted from the start;
- out ``{"t": "ready", "n", "failed", "version", "errors"}`` once every wave is done;
- out ``{"t": "got", "v"}`` when each of its open connections has received key ``v``;
- in ``report``, answered by ``{"t": "result", "received": {version: [monotonic times]},
  "closed"}``, after which the process exits.

Receive times are ``time.monotonic()``, which on Linux is the system-wide CLOCK_MONOTONIC:
the benchmark subtracts its own publish times from them. Each is taken when the frame's bytes
reach the connection, before the client library parses them or wakes the task that reads
them: a thousand connections of one process get their frames in one burst, and what the
client does with each must not delay the others' times. The processes run on uvloop, as the
load generator does, so that the clients cost the cores they share with the API little.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, cast

import orjson
import uvloop
import websockets
from websockets.asyncio.client import ClientConnection

_HANDSHAKE_SECONDS = 60.0
_ERROR_SAMPLES = 5
SOLD_OUT = -1
"""The key of a room's ``sold_out`` frame (a ``now_serving`` is never negative)."""


def inventory_key(frame: dict[str, Any]) -> int | None:
    return int(frame["version"]) if frame.get("type") == "inventory" else None


def room_key(frame: dict[str, Any]) -> int | None:
    if frame.get("type") != "waiting_room":
        return None
    if frame["state"] == "sold_out":
        return SOLD_OUT
    return int(frame["now_serving"]) if frame["state"] == "waiting" else None


_KEYS = {"inventory": inventory_key, "waiting_room": room_key}


class _Tally:
    """Receive times per version, and who can still receive."""

    def __init__(self) -> None:
        self.open = 0
        self.closed = 0
        self.received: defaultdict[int, list[float]] = defaultdict(list)

    def record(self, version: int, at: float) -> None:
        times = self.received[version]
        times.append(at)
        # At least, not equal: a connection that received it may have closed since.
        if len(times) >= self.open:
            _emit({"t": "got", "v": version})

    def close_one(self) -> None:
        self.open -= 1
        self.closed += 1
        # A dropped connection never receives what is still in flight: without this, the
        # benchmark would wait out its timeout for a version this process cannot complete.
        for version, times in self.received.items():
            if len(times) >= self.open:
                _emit({"t": "got", "v": version})


class _StampedConnection(ClientConnection):
    """Remembers when bytes last arrived: the server sends one frame per change, so the
    bytes a message came in arrived last when the message is read."""

    arrived = 0.0

    def data_received(self, data: bytes) -> None:
        self.arrived = time.monotonic()
        super().data_received(data)


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message, option=orjson.OPT_NON_STR_KEYS) + b"\n")
    sys.stdout.buffer.flush()


async def _subscribe(url: str, event_id: str, compression: bool) -> tuple[_StampedConnection, int]:
    connection = await websockets.connect(
        url,
        open_timeout=_HANDSHAKE_SECONDS,
        compression="deflate" if compression else None,
        # The server pings; answering is automatic, and a client ping would only add load.
        ping_interval=None,
        create_connection=_StampedConnection,
    )
    ws = cast(_StampedConnection, connection)  # create_connection made it one
    try:
        await ws.send(orjson.dumps({"type": "subscribe", "event_id": event_id}).decode())
        while True:
            frame = orjson.loads(await ws.recv())
            if frame.get("type") == "snapshot":
                return ws, int(frame["version"])
    except BaseException:
        await ws.close()
        raise


async def _listen(
    ws: _StampedConnection, tally: _Tally, key_of: Callable[[dict[str, Any]], int | None]
) -> None:
    seen: set[int] = set()
    try:
        async for raw in ws:
            key = key_of(orjson.loads(raw))
            if key is not None and key not in seen:
                seen.add(key)
                tally.record(key, ws.arrived)
    except websockets.ConnectionClosed:
        pass
    tally.close_one()


async def _run(
    url: str,
    event_id: str,
    count: int,
    wave: int,
    compression: bool,
    key_of: Callable[[dict[str, Any]], int | None],
) -> None:
    tally = _Tally()
    connections: list[_StampedConnection] = []
    listeners: list[asyncio.Task[None]] = []
    failed = 0
    errors: list[str] = []
    version = 0
    # Waves pace the handshakes: each waits for the previous wave's snapshots, so the API's
    # accept queue never holds more than ``wave`` connections from this process.
    for start in range(0, count, wave):
        results = await asyncio.gather(
            *(_subscribe(url, event_id, compression) for _ in range(min(wave, count - start))),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                failed += 1
                if len(errors) < _ERROR_SAMPLES:
                    errors.append(f"{type(result).__name__}: {result}")
                continue
            ws, snapshot_version = result
            version = max(version, snapshot_version)
            connections.append(ws)
            tally.open += 1
            listeners.append(asyncio.create_task(_listen(ws, tally, key_of)))
        _emit({"t": "connected", "n": len(connections)})
    _emit(
        {
            "t": "ready",
            "n": len(connections),
            "failed": failed,
            "version": version,
            "errors": errors,
        }
    )

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while (line := await reader.readline()) and line.strip() != b"report":
        pass
    _emit({"t": "result", "received": tally.received, "closed": tally.closed})
    for listener in listeners:
        listener.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(
            asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True), 10
        )


def main() -> None:
    url, event_id, count, wave, compression, kind = sys.argv[1:7]
    uvloop.run(_run(url, event_id, int(count), int(wave), compression == "deflate", _KEYS[kind]))


if __name__ == "__main__":
    main()
