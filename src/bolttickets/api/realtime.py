"""The WebSocket hub of one API process, fed by the pub/sub backplane.

Inventory is coalesced per ticket type to the latest version at the end of each window (so
the last ``remaining: 0`` always goes out); booking statuses go out at once, uncoalesced.
A slow client gets disconnected rather than slowing everyone: it reconnects and resubscribes,
and the snapshot it then receives is the truth.

A browser sends the page's ``Origin`` with the handshake: one not ours is refused (a foreign
page would otherwise watch a user's bookings with their cookie). Clients are untrusted: a
binary frame or a malformed message gets an error frame of our own words, never theirs.

One process holds ten thousand connections, so each costs as little as it can: two tasks
(reading and writing), a plain deque for its outbox and a timer handle for its pings. A frame
for every subscriber of an event is encoded once, and written straight to each idle
connection's socket when the server offers it (``adapters.websocket_frames``): the writer
tasks and ASGI carry only what a connection has queued, and frames for one connection alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

import orjson
import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from bolttickets.adapters.websocket_frames import FRAME_WRITER, FrameWriter, text_frame
from bolttickets.api.origins import Origins
from bolttickets.api.security import COOKIE_NAME, Tokens, Unauthorized
from bolttickets.domain.errors import DomainError
from bolttickets.observability import metrics
from bolttickets.services.accounts import Actor
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog
from bolttickets.services.messages import UPDATES_CHANNEL, BookingUpdate, decode_update
from bolttickets.services.ports import PubSub, Subscription
from bolttickets.services.tickets import CHECKINS_CHANNEL
from bolttickets.services.waiting_list import LISTS_CHANNEL
from bolttickets.services.waiting_room import ROOMS_CHANNEL

log = structlog.get_logger("bolttickets.realtime")
K = TypeVar("K")

_UNAUTHORIZED = 4401
_DROPPED_SLOW = metrics.REALTIME_DROPPED["slow_reader"]
_DROPPED_CLOSED = metrics.REALTIME_DROPPED["closed"]
_SENT_DIRECT = metrics.REALTIME_SENT["direct"]
_SENT_QUEUED = metrics.REALTIME_SENT["queued"]


class _Client:
    __slots__ = (
        "actor",
        "closed",
        "ending",
        "events",
        "expiry",
        "frames",
        "outbox",
        "outbox_limit",
        "pinger",
        "queued",
        "too_slow",
        "wakeup",
        "ws",
    )

    def __init__(self, ws: WebSocket, closed: asyncio.Future[None], outbox_limit: int) -> None:
        self.ws = ws
        self.frames: FrameWriter | None = ws.scope.get("extensions", {}).get(FRAME_WRITER)
        """Writes encoded frames to the socket, when the server offers it."""
        self.actor: Actor | None = None
        self.events: set[UUID] = set()
        self.outbox: deque[str] = deque()
        self.outbox_limit = outbox_limit
        self.queued = 0
        """Bytes in the outbox: frames are ASCII JSON, one byte a character."""
        self.wakeup: asyncio.Future[None] | None = None
        """Set while the writer waits for a frame."""
        self.too_slow = False
        self.closed = closed
        """Done once the connection is over, whichever side ended it."""
        self.pinger: asyncio.TimerHandle | None = None
        self.expiry: asyncio.TimerHandle | None = None
        """Ends the connection when its access token expires."""
        self.ending: tuple[int, str] | None = None
        """The close code and reason, when the server ends the connection for a reason."""

    def send(self, frame: str) -> None:
        if self.too_slow:
            _DROPPED_SLOW.inc()
            return
        if self.queued + len(frame) > self.outbox_limit:
            self.too_slow = True
            self.close()
            _DROPPED_SLOW.inc()
            return
        self.outbox.append(frame)
        self.queued += len(frame)
        if self.wakeup is not None and not self.wakeup.done():
            self.wakeup.set_result(None)

    def broadcast(self, frames: Sequence[str], wire: bytes) -> int:
        """Frames every subscriber gets, with their wire bytes encoded once for all: written
        at once when the writer is idle (nothing queued can be overtaken), else queued.
        Returns the frames written now."""
        writer = self.frames
        wakeup = self.wakeup
        if writer is None or self.outbox or wakeup is None or wakeup.done():
            for frame in frames:
                self.send(frame)
            return 0
        if writer.buffered + len(wire) > self.outbox_limit:
            self.too_slow = True
            self.close()
            _DROPPED_SLOW.inc(len(frames))
            return 0
        if not writer.write(wire):
            _DROPPED_CLOSED.inc(len(frames))
            return 0
        return len(frames)

    def close(self, _: object = None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def end(self, reason: str) -> None:
        """Close because its credentials no longer hold (4401, like HTTP's 401): the
        client refreshes its token and connects again."""
        self.ending = (_UNAUTHORIZED, reason)
        self.close()


def _frame(payload: dict[str, Any]) -> str:
    return orjson.dumps(payload).decode()


_PING = _frame({"type": "ping"})


def _error_frame(detail: str) -> str:
    return _frame({"type": "error", "detail": detail})


_BAD_MESSAGE = _error_frame(
    "Bad message: send a JSON object whose type is auth, subscribe, unsubscribe, watch or "
    "pong, with that type's fields."
)
_BINARY = _error_frame("Binary frames are not understood: send JSON text frames.")


def _booking_frame(booking: BookingUpdate) -> str:
    """The one shape of a booking's status, pushed by the worker or asked for with watch."""
    return _frame(
        {
            "type": "booking",
            "booking_id": str(booking.booking_id),
            "status": booking.status,
            "reason": booking.reason,
            "expires_at": None if booking.expires_at is None else booking.expires_at.isoformat(),
        }
    )


class RealtimeHub:
    def __init__(
        self,
        pubsub: PubSub,
        catalog: Catalog,
        bookings: Bookings,
        tokens: Tokens,
        origins: Origins,
        *,
        window_seconds: float = 0.1,
        ping_seconds: float = 20.0,
        outbox_bytes: int = 256 * 1024,
    ) -> None:
        self._pubsub = pubsub
        self._catalog = catalog
        self._bookings = bookings
        self._tokens = tokens
        self._origins = origins
        self._outbox_bytes = outbox_bytes
        self._window = window_seconds
        self._ping = ping_seconds
        self._by_event: defaultdict[UUID, set[_Client]] = defaultdict(set)
        self._by_user: defaultdict[UUID, set[_Client]] = defaultdict(set)
        self._by_session: defaultdict[str, set[_Client]] = defaultdict(set)
        self._pending: dict[UUID, tuple[UUID, int, int, float | None]] = {}
        """ticket type -> (event, remaining, version, when published) of its latest update."""
        self._latest: dict[tuple[str, UUID, str | None], bytes] = {}
        """(type, event, ticket type) -> the latest frame of that state, to send on."""
        self._versions: dict[UUID, int] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        subscription = await self._pubsub.subscribe(UPDATES_CHANNEL, on_gap=self._resync_soon)
        # A room missed is sent again at the next tick: nothing to resync.
        rooms = await self._pubsub.subscribe(ROOMS_CHANNEL)
        # A waiting-list frame missed is only a hint lost: clients poll their place too.
        lists = await self._pubsub.subscribe(LISTS_CHANNEL)
        # Check-in counts are frames of one event too, sent on as they come.
        checkins = await self._pubsub.subscribe(CHECKINS_CHANNEL)
        self._tasks = [
            asyncio.create_task(self._listen(subscription), name="realtime-listen"),
            asyncio.create_task(self._forward_event_frames(rooms), name="realtime-rooms"),
            asyncio.create_task(self._forward_event_frames(lists), name="realtime-lists"),
            asyncio.create_task(self._forward_event_frames(checkins), name="realtime-checkins"),
            asyncio.create_task(self._flush_every_window(), name="realtime-flush"),
        ]

    async def stop(self) -> None:
        tasks = list(self._tasks)  # a finishing resync removes itself from the list
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def connections(self) -> int:
        return len({c for clients in self._by_event.values() for c in clients})

    def _resync_soon(self) -> None:
        task = asyncio.create_task(self._resync(), name="realtime-resync")
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    async def _resync(self) -> None:
        """Updates may have been missed: every subscriber gets a fresh snapshot, the truth."""
        for event_id, clients in list(self._by_event.items()):
            try:
                frame = await self._snapshot(event_id)
            except DomainError:
                continue
            for client in list(clients):
                client.send(frame)

    async def _listen(self, subscription: Subscription) -> None:
        try:
            async for message in subscription:
                try:
                    self._dispatch(message)
                except (ValueError, KeyError, TypeError):
                    log.warning("bad_update_message")
        finally:
            await subscription.close()

    async def _forward_event_frames(self, subscription: Subscription) -> None:
        """Frames already written for one event's subscribers, sent on with the window's
        inventory: each room's ``waiting_room`` frame once per tick (every buyer computes
        their own position from its ``now_serving``), the ``waiting_list`` frames when
        offers change, the ``checkins`` counts after each scan.

        Each is a state that supersedes the one before, so only the latest of each kind,
        event and ticket type goes out: a backlog (ticks coming faster than the hub writes
        them) costs one broadcast, not one per tick, and never holds the event loop."""
        try:
            async for message in subscription:
                try:
                    frame = orjson.loads(message)
                    key = (str(frame["type"]), UUID(frame["event_id"]), frame.get("ticket_type_id"))
                    self._latest.pop(key, None)  # the newest goes last
                    self._latest[key] = message
                except (ValueError, KeyError, TypeError):
                    log.warning("bad_event_frame")
        finally:
            await subscription.close()

    def _dispatch(self, message: bytes) -> None:
        inventory, bookings, published_at = decode_update(message)
        for update in inventory:
            inv = update.inventory
            if inv.version > self._versions.get(inv.ticket_type_id, -1):
                self._versions[inv.ticket_type_id] = inv.version
                self._pending[inv.ticket_type_id] = (
                    update.event_id,
                    inv.remaining,
                    inv.version,
                    published_at,
                )
        handed = False
        for booking in bookings:
            clients = self._by_user.get(booking.user_id)
            if not clients:
                continue
            frame = _booking_frame(booking)
            for client in clients:
                client.send(frame)
            handed = True
        if handed:
            _observe_fanout(published_at)

    async def _flush_every_window(self) -> None:
        while True:
            await asyncio.sleep(self._window)
            await self.flush()

    async def flush(self) -> None:
        """One write per subscriber per window: an event's changes go out together."""
        pending, self._pending = self._pending, {}
        latest, self._latest = self._latest, {}
        by_event: defaultdict[UUID, list[str]] = defaultdict(list)
        for (_, event_id, _), message in latest.items():
            if event_id in self._by_event:
                by_event[event_id].append(message.decode())
        published: list[float | None] = []
        for tt_id, (event_id, remaining, version, published_at) in pending.items():
            if event_id not in self._by_event:
                continue
            by_event[event_id].append(
                _frame(
                    {
                        "type": "inventory",
                        "event_id": str(event_id),
                        "ticket_type_id": str(tt_id),
                        "remaining": max(0, remaining),
                        "version": version,
                    }
                )
            )
            published.append(published_at)
        for event_id, frames in by_event.items():
            clients = self._by_event.get(event_id)  # all may have left while others were sent
            if clients:
                await _broadcast(clients, frames)
        for published_at in published:
            _observe_fanout(published_at)

    async def serve(self, ws: WebSocket) -> None:
        # No Origin: not a browser, so no page can be borrowing the user's cookie.
        origin = ws.headers.get("origin")
        if origin is not None and not self._origins.allows(origin, ws.headers.get("host")):
            await ws.close(code=1008)  # before accepting: the handshake's answer is a 403
            return
        await ws.accept()
        metrics.WEBSOCKET_CONNECTIONS.inc()
        loop = asyncio.get_running_loop()
        client = _Client(ws, loop.create_future(), self._outbox_bytes)
        cookie = ws.cookies.get(COOKIE_NAME)
        if cookie:
            await self._authenticate(client, cookie)
        writer = asyncio.create_task(self._write(client))
        reader = asyncio.create_task(self._read(client))
        writer.add_done_callback(client.close)
        reader.add_done_callback(client.close)
        self._keepalive_later(client)
        try:
            await client.closed
        finally:
            if client.pinger is not None:
                client.pinger.cancel()
            writer.cancel()
            reader.cancel()
            self._forget(client)
            metrics.WEBSOCKET_CONNECTIONS.dec()
            _DROPPED_CLOSED.inc(len(client.outbox))
            if ws.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    code, reason = client.ending or (1013 if client.too_slow else 1000, "")
                    await ws.close(code=code, reason=reason)

    async def _write(self, client: _Client) -> None:
        outbox = client.outbox
        loop = asyncio.get_running_loop()
        while True:
            written = 0
            while outbox:
                frame = outbox.popleft()
                client.queued -= len(frame)
                await client.ws.send_text(frame)
                written += 1
            _SENT_QUEUED.inc(written)
            client.wakeup = loop.create_future()
            await client.wakeup

    def _keepalive_later(self, client: _Client) -> None:
        # A timer, not a task per connection: each keeps its own rhythm, so the pings of ten
        # thousand connections never go out in one burst.
        client.pinger = asyncio.get_running_loop().call_later(self._ping, self._keepalive, client)

    def _keepalive(self, client: _Client) -> None:
        client.send(_PING)
        self._keepalive_later(client)

    async def _read(self, client: _Client) -> None:
        while True:
            received = await client.ws.receive()
            if received["type"] == "websocket.disconnect":
                return
            text = received.get("text")
            if text is None:
                client.send(_BINARY)
                continue
            try:
                message = orjson.loads(text)
                if not isinstance(message, dict):
                    raise ValueError("a message is a JSON object")
                await self._handle(client, message)
            except (ValueError, KeyError, TypeError):
                client.send(_BAD_MESSAGE)
            except DomainError as exc:
                client.send(_error_frame(f"{exc.title}."))  # its detail may quote the input
            except Unauthorized as exc:
                client.send(_error_frame(exc.detail))

    async def _handle(self, client: _Client, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "pong":
            return
        if kind == "auth":
            await self._authenticate(client, str(message["token"]))
        elif kind == "subscribe":
            await self._subscribe(client, UUID(str(message["event_id"])))
        elif kind == "unsubscribe":
            self._unsubscribe(client, UUID(str(message["event_id"])))
        elif kind == "watch":
            await self._watch(client, UUID(str(message["booking_id"])))
        else:
            raise ValueError("unknown message type")

    async def _authenticate(self, client: _Client, token: str) -> None:
        try:
            actor, expires_at = await self._tokens.verify(token)
        except Unauthorized as exc:
            client.send(_error_frame(exc.detail))
            return
        if client.closed.done():
            return  # gone while the token was checked: _forget has run already
        self._forget_actor(client)
        client.actor = actor
        self._by_user[actor.user_id].add(client)
        if actor.session_id is not None:
            self._by_session[actor.session_id].add(client)
        # A later "auth" with a fresh token moves the deadline.
        client.expiry = asyncio.get_running_loop().call_later(
            max(0.0, expires_at - time.time()), client.end, "The access token has expired."
        )
        client.send(_frame({"type": "authenticated", "user_id": str(actor.user_id)}))

    async def _subscribe(self, client: _Client, event_id: UUID) -> None:
        # Registered before the snapshot is read, so no change can fall between the two;
        # the client drops inventory older than the snapshot by its version. An event the
        # snapshot does not find is unregistered again: ids a client makes up hold nothing.
        if event_id in client.events:
            client.send(await self._snapshot(event_id))
            return
        client.events.add(event_id)
        metrics.WEBSOCKET_SUBSCRIPTIONS.inc()
        self._by_event[event_id].add(client)
        try:
            frame = await self._snapshot(event_id)
        except DomainError:
            self._unsubscribe(client, event_id)
            raise
        client.send(frame)

    def _unsubscribe(self, client: _Client, event_id: UUID) -> None:
        if event_id not in client.events:
            return
        client.events.discard(event_id)
        metrics.WEBSOCKET_SUBSCRIPTIONS.dec()
        clients = self._by_event[event_id]
        clients.discard(client)
        if not clients:
            del self._by_event[event_id]

    async def _snapshot(self, event_id: UUID) -> str:
        view = await self._catalog.get_event(event_id)
        remaining = await self._catalog.remaining(view.event.ticket_types)
        return _frame(
            {
                "type": "snapshot",
                "event_id": str(event_id),
                "ticket_types": [
                    {"id": str(tt_id), "remaining": max(0, value), "version": version}
                    for tt_id, (value, version) in remaining.items()
                ],
                "version": max((v for _, v in remaining.values()), default=0),
            }
        )

    async def _watch(self, client: _Client, booking_id: UUID) -> None:
        if client.actor is None:
            raise ValueError("authenticate before watching a booking")
        booking = await self._bookings.get(client.actor, booking_id)
        client.send(_booking_frame(BookingUpdate.of(booking)))

    def _forget(self, client: _Client) -> None:
        for event_id in list(client.events):
            self._unsubscribe(client, event_id)
        self._forget_actor(client)

    def _forget_actor(self, client: _Client) -> None:
        if client.expiry is not None:
            client.expiry.cancel()
        actor = client.actor
        if actor is None:
            return
        _discard(self._by_user, actor.user_id, client)
        if actor.session_id is not None:
            _discard(self._by_session, actor.session_id, client)

    def sessions_revoked(self, session_ids: Sequence[str]) -> None:
        """Close the connections authenticated by these sessions."""
        for session_id in session_ids:
            for client in list(self._by_session.get(session_id, ())):
                client.end("The session has been logged out.")

    async def recheck_sessions(self) -> None:
        """Revocations may have been missed: ask the store about every session here."""
        for session_id in list(self._by_session):
            if await self._tokens.is_revoked(session_id):
                self.sessions_revoked([session_id])


def _discard(index: defaultdict[K, set[_Client]], key: K, client: _Client) -> None:
    clients = index.get(key)
    if clients is not None:
        clients.discard(client)
        if not clients:
            del index[key]


_BROADCAST_SLICE = 1000
"""Subscribers written to between two turns of the event loop: ten thousand writes hold it
for tens of milliseconds on a busy core, and its HTTP requests wait meanwhile."""


async def _broadcast(clients: set[_Client], frames: Sequence[str]) -> None:
    wire = b"".join(text_frame(frame.encode()) for frame in frames)
    sent = 0
    for count, client in enumerate(list(clients), start=1):
        sent += client.broadcast(frames, wire)
        if count % _BROADCAST_SLICE == 0:
            await asyncio.sleep(0)
    _SENT_DIRECT.inc(sent)


def _observe_fanout(published_at: float | None) -> None:
    """Once per message, when its frames are in every subscriber's outbox: the writers
    send them at once, and stamping each frame would cost every connection memory."""
    if published_at is not None:
        metrics.FANOUT_DELAY_SECONDS.observe(max(0.0, time.time() - published_at))
