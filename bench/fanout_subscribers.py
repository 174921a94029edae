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
reach the connection, before they are parsed: a thousand connections of one process get
their frames in one burst, and what the client does with each must not delay the others'
times. The clients are bare protocols on uvloop, as the load generator is, so that they cost
the cores they share with the API little.
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
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

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


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message, option=orjson.OPT_NON_STR_KEYS) + b"\n")
    sys.stdout.buffer.flush()


class _Subscriber(asyncio.Protocol):
    """One WebSocket client as a bare asyncio protocol over websockets' sans-I/O
    ``ClientProtocol``: no task and no queue per connection, so that ten thousand of them
    cost the cores they share with the API as little as they can. A frame's time is taken
    when its bytes arrive, before they are parsed."""

    def __init__(
        self,
        url: str,
        subscribe: str,
        compression: bool,
        tally: _Tally,
        key_of: Callable[[dict[str, Any]], int | None],
    ) -> None:
        self.ws = ClientProtocol(
            parse_uri(url),
            extensions=enable_client_permessage_deflate(None) if compression else None,
        )
        self.subscribe = subscribe
        self.tally = tally
        self.key_of = key_of
        self.seen: set[int] = set()
        self.snapshot: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        """The version of the event's snapshot, once subscribed."""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    self._fail(self.ws.handshake_exc)
                else:
                    self.ws.send_text(self.subscribe.encode())
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._received(orjson.loads(event.data), at)
        self._flush()  # pongs, and the subscription

    def _received(self, frame: dict[str, Any], at: float) -> None:
        if not self.snapshot.done():
            if frame.get("type") == "snapshot":
                self.snapshot.set_result(int(frame["version"]))
            return
        key = self.key_of(frame)
        if key is not None and key not in self.seen:
            self.seen.add(key)
            self.tally.record(key, at)

    def _flush(self) -> None:
        assert self.transport is not None
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)
        if self.ws.close_expected():
            self.transport.close()

    def _fail(self, exc: BaseException) -> None:
        if not self.snapshot.done():
            self.snapshot.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.snapshot.done() and not self.snapshot.exception():
            self.tally.close_one()
        else:
            self._fail(exc or ConnectionError("closed before the snapshot"))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            with contextlib.suppress(Exception):
                self.ws.send_close()
                self._flush()
            self.transport.close()


async def _subscribe(
    url: str,
    event_id: str,
    compression: bool,
    tally: _Tally,
    key_of: Callable[[dict[str, Any]], int | None],
) -> tuple[_Subscriber, int]:
    uri = parse_uri(url)
    subscribe = orjson.dumps({"type": "subscribe", "event_id": event_id}).decode()
    _, subscriber = await asyncio.get_running_loop().create_connection(
        lambda: _Subscriber(url, subscribe, compression, tally, key_of), uri.host, uri.port
    )
    try:
        return subscriber, await asyncio.wait_for(subscriber.snapshot, _HANDSHAKE_SECONDS)
    except BaseException:
        subscriber.close()
        raise


async def _run(
    url: str,
    event_id: str,
    count: int,
    wave: int,
    compression: bool,
    key_of: Callable[[dict[str, Any]], int | None],
) -> None:
    tally = _Tally()
    connections: list[_Subscriber] = []
    failed = 0
    errors: list[str] = []
    version = 0
    # Waves pace the handshakes: each waits for the previous wave's snapshots, so the API's
    # accept queue never holds more than ``wave`` connections from this process.
    for start in range(0, count, wave):
        results = await asyncio.gather(
            *(
                _subscribe(url, event_id, compression, tally, key_of)
                for _ in range(min(wave, count - start))
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                failed += 1
                if len(errors) < _ERROR_SAMPLES:
                    errors.append(f"{type(result).__name__}: {result}")
                continue
            subscriber, snapshot_version = result
            version = max(version, snapshot_version)
            connections.append(subscriber)
            tally.open += 1
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
    for subscriber in connections:
        subscriber.close()


def main() -> None:
    url, event_id, count, wave, compression, kind = sys.argv[1:7]
    uvloop.run(_run(url, event_id, int(count), int(wave), compression == "deflate", _KEYS[kind]))


if __name__ == "__main__":
    main()
