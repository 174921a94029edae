"""Waiting rooms: settings, joining, each buyer's view, and the pass check of the hot path.

Every process keeps the enabled rooms in memory (loaded at start, refreshed by the ticker,
and changed at once on every process when an organiser changes one, through the pub/sub
backplane), so a booking learns whether its event has a room with a dictionary lookup.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import structlog

from bolttickets.domain.errors import (
    DatabaseUnavailable,
    Forbidden,
    NotFound,
    Unavailable,
    WaitingRoomNotOpen,
    WaitingRoomRequired,
)
from bolttickets.domain.model import Event
from bolttickets.domain.waiting_room import (
    RoomSettings,
    RoomState,
    TickMark,
    estimated_wait_seconds,
    position,
)
from bolttickets.services.accounts import Actor
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.ports import (
    Clock,
    Joined,
    PubSub,
    Subscription,
    UnitOfWorkFactory,
    WaitingRoomStore,
)

log = structlog.get_logger("bolttickets.waiting_room")

ROOMS_CHANNEL = "waiting-room"
"""The ticker's broadcast: one ``waiting_room`` frame per event and tick."""
SETTINGS_CHANNEL = "waiting-room-settings"
"""An event id whose room an organiser changed: every process reloads it."""
_DRAW_ATTEMPTS = 100


@dataclass(frozen=True, slots=True)
class RoomStatus:
    """What the last tick decided, kept in the store for every process to read."""

    state: RoomState = RoomState.WAITING
    now_serving: int = 0
    admit_per_minute: float | None = None
    """Measured over the last minute; the configured rate until there is a measure."""
    history: tuple[TickMark, ...] = ()
    carry: float = 0.0
    """A fixed rate's fraction of a buyer not yet admitted."""
    ticked_at: float | None = None
    """Unix seconds of the tick that recorded this."""

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "state": self.state.value,
                "now_serving": self.now_serving,
                "admit_per_minute": self.admit_per_minute,
                "history": [[m.at, m.now_serving, m.bought] for m in self.history],
                "carry": self.carry,
                "ticked_at": self.ticked_at,
            }
        )

    @classmethod
    def decode(cls, data: bytes | None) -> RoomStatus:
        if data is None:
            return cls()
        raw: dict[str, Any] = orjson.loads(data)
        return cls(
            RoomState(raw["state"]),
            int(raw["now_serving"]),
            raw["admit_per_minute"],
            tuple(TickMark(float(a), int(s), int(b)) for a, s, b in raw["history"]),
            float(raw["carry"]),
            raw["ticked_at"],
        )


def room_frame(event_id: UUID, status: RoomStatus) -> bytes:
    """The WebSocket message every subscriber of the event gets, once per tick."""
    rate = status.admit_per_minute
    return orjson.dumps(
        {
            "type": "waiting_room",
            "event_id": str(event_id),
            "state": status.state.value,
            "now_serving": status.now_serving,
            "admit_per_minute": None if rate is None else round(rate),
        }
    )


@dataclass(frozen=True, slots=True)
class RoomOverview:
    """A room as its organiser watches it."""

    settings: RoomSettings
    state: RoomState
    now_serving: int
    numbered: int
    """Places given: the lottery's and every later join's."""
    pre_queued: int
    bought: int
    admit_per_minute: float | None
    """Measured over the last minute."""

    @property
    def waiting(self) -> int:
        return self.numbered - self.now_serving + self.pre_queued


@dataclass(frozen=True, slots=True)
class PlaceView:
    """A buyer's place, as ``join`` and ``me`` answer it."""

    state: RoomState
    number: int | None
    now_serving: int
    position: int | None
    estimated_wait_seconds: int | None
    admission_pass: str | None = None
    pass_expires_at: datetime | None = None


class WaitingRooms:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        store: WaitingRoomStore,
        pubsub: PubSub,
        passes: AdmissionPasses,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        """``rng`` draws the lotteries: the operating system's randomness unless a test
        seeds its own."""
        self._uow = uow
        self._store = store
        self._pubsub = pubsub
        self._passes = passes
        self._clock = clock
        self._rng = rng or secrets.SystemRandom()
        self._rooms: dict[UUID, RoomSettings] = {}
        """The enabled rooms of events not yet started."""
        self._events: dict[UUID, Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- the rooms every process knows ----------------------------------------------------

    async def start(self) -> None:
        """Load the rooms, and follow the changes any process makes."""
        subscription = await self._pubsub.subscribe(SETTINGS_CHANNEL, on_gap=self._refresh_soon)
        await self.refresh()
        self._keep(asyncio.create_task(self._follow(subscription), name="room-settings"))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def refresh(self) -> None:
        async with self._uow() as uow:
            active = await uow.waiting_rooms.active(self._clock.now())
        self._rooms = {room.event_id: room for room in active}

    def _refresh_soon(self) -> None:
        self._keep(asyncio.create_task(self._refresh_quietly(), name="room-refresh"))

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)  # a task nothing refers to may be collected mid-way
        task.add_done_callback(self._tasks.discard)

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except DatabaseUnavailable:
            log.warning("waiting_rooms_not_refreshed", exc_info=True)

    async def _follow(self, subscription: Subscription) -> None:
        try:
            async for message in subscription:
                try:
                    event_id = UUID(message.decode())
                except ValueError:
                    log.warning("bad_waiting_room_settings_message")
                    continue
                await self._reload(event_id)
        finally:
            await subscription.close()

    async def _reload(self, event_id: UUID) -> None:
        try:
            async with self._uow() as uow:
                room = await uow.waiting_rooms.get(event_id)
        except DatabaseUnavailable:
            log.warning("waiting_room_not_reloaded", event_id=str(event_id), exc_info=True)
            return
        if room is not None and room.enabled:
            self._rooms[event_id] = room
        else:
            self._rooms.pop(event_id, None)

    def active(self) -> list[RoomSettings]:
        return list(self._rooms.values())

    def room_of(self, event_id: UUID) -> RoomSettings | None:
        return self._rooms.get(event_id)

    async def event(self, event_id: UUID) -> Event:
        """The event (its ticket types and times never change once created)."""
        found = self._events.get(event_id)
        if found is None:
            async with self._uow() as uow:
                found = await uow.events.get(event_id)
            if found is None:
                raise NotFound(f"Event {event_id} does not exist.")
            self._events[event_id] = found
        return found

    # --- the organiser's side -------------------------------------------------------------

    async def configure(self, actor: Actor, room: RoomSettings) -> RoomSettings:
        event = await self.event(room.event_id)
        if not event.managed_by(actor.user_id, actor.role):
            raise Forbidden("Only the event's organizer or an admin sets its waiting room.")
        room.validate(event)
        async with self._uow(write=True) as uow:
            await uow.waiting_rooms.save(room, self._clock.now())
            await uow.commit()
        await self._reload(room.event_id)
        await self._pubsub.publish(SETTINGS_CHANNEL, str(room.event_id).encode())
        return room

    async def overview(self, actor: Actor, event_id: UUID) -> RoomOverview:
        """The room's settings (a room turned off too) and how it is doing."""
        event = await self.event(event_id)
        if not event.managed_by(actor.user_id, actor.role):
            raise Forbidden("Only the event's organizer or an admin watches its waiting room.")
        async with self._uow() as uow:
            room = await uow.waiting_rooms.get(event_id)
        if room is None:
            raise NotFound(f"Event {event_id} has no waiting room.")
        counters = await self._store.counters(event_id)
        status = RoomStatus.decode(counters.status)
        return RoomOverview(
            room,
            status.state,
            counters.now_serving,
            counters.assigned,
            counters.pre_queued,
            counters.bought,
            status.admit_per_minute,
        )

    # --- the buyer's side -----------------------------------------------------------------

    async def join(self, actor: Actor, event_id: UUID) -> PlaceView:
        room, event = await self._open_room(event_id)
        started = self._clock.now() >= room.lottery_at(event)
        joined = await self._store.join(event_id, actor.user_id, started=started)
        if joined is None:  # the sale started and its lottery has not run yet: run it
            await self.draw(event_id)
            joined = await self._store.join(event_id, actor.user_id, started=True)
            assert joined is not None, "a drawn room numbers every join"
        return await self._view(room, actor.user_id, joined)

    async def me(self, actor: Actor, event_id: UUID) -> PlaceView:
        room, _ = await self._room(event_id, stored=True)
        joined = await self._store.place(event_id, actor.user_id)
        if joined is None:
            raise NotFound("You have not joined this waiting room.")
        return await self._view(room, actor.user_id, joined)

    async def draw(self, event_id: UUID) -> None:
        """The lottery: the pre-queue in a uniformly random order, written once. A join
        that lands between reading the pre-queue and writing the order makes the store
        refuse it; the pre-queue is then read and shuffled again."""
        for _ in range(_DRAW_ATTEMPTS):
            order = await self._store.pre_queue(event_id)
            self._rng.shuffle(order)
            if await self._store.draw(event_id, order):
                return
        raise RuntimeError(f"the pre-queue of {event_id} kept changing during its lottery")

    def check_pass(self, event_id: UUID, user_id: UUID, token: str | None) -> bool:
        """Whether the event has a room; raises WaitingRoomRequired when it has one and
        ``token`` is not a valid pass of this buyer for it. No store is asked: every
        booking comes through here, so it is not even a coroutine."""
        if event_id not in self._rooms:
            return False
        if token is None:
            raise WaitingRoomRequired(event_id=event_id)
        self._passes.verify(token, user_id, event_id)
        return True

    async def bought(self, event_id: UUID, user_id: UUID) -> None:
        """An admitted buyer booked: the automatic rate counts them as served. The booking
        stands whatever happens here: a store that does not answer costs the automatic rate
        one buyer's accuracy, never the buyer their booking."""
        try:
            await self._store.bought(event_id, user_id)
        except Unavailable:
            log.warning("waiting_room_purchase_not_counted", event_id=str(event_id))

    async def _room(self, event_id: UUID, *, stored: bool = False) -> tuple[RoomSettings, Event]:
        """The event's enabled room; with ``stored``, one whose event has started too (the
        processes forget those)."""
        event = await self.event(event_id)
        room = self._rooms.get(event_id)
        if room is None and stored:
            async with self._uow() as uow:
                room = await uow.waiting_rooms.get(event_id)
        if room is None or not room.enabled:
            raise NotFound(f"Event {event_id} has no waiting room.")
        return room, event

    async def _open_room(self, event_id: UUID) -> tuple[RoomSettings, Event]:
        room, event = await self._room(event_id, stored=True)
        now = self._clock.now()
        if now < room.opens_at:
            raise WaitingRoomNotOpen(f"The waiting room opens at {room.opens_at.isoformat()}.")
        if now >= event.starts_at:
            raise WaitingRoomNotOpen("The event has started: its waiting room is closed.")
        return room, event

    async def _view(self, room: RoomSettings, user_id: UUID, joined: Joined) -> PlaceView:
        counters = await self._store.counters(room.event_id)
        status = RoomStatus.decode(counters.status)
        serving, number = counters.now_serving, joined.number
        if self._clock.now() >= (await self.event(room.event_id)).starts_at:
            return PlaceView(RoomState.CLOSED, number, serving, None, None)
        if number is not None and number <= serving:
            return await self._admitted(room, user_id, number, serving)
        if number is None:
            return PlaceView(status.state, None, serving, None, None)
        ahead = position(number, serving)
        wait = estimated_wait_seconds(ahead, status.admit_per_minute or room.admit_per_minute)
        return PlaceView(status.state, number, serving, ahead, wait)

    async def _admitted(
        self, room: RoomSettings, user_id: UUID, number: int, serving: int
    ) -> PlaceView:
        now = self._clock.now()
        first = await self._store.admitted_at(room.event_id, user_id, now)
        expires_at = first + timedelta(seconds=room.pass_ttl_seconds)
        if expires_at <= now:  # admitted, and let the pass lapse unused
            return PlaceView(RoomState.CLOSED, number, serving, 0, 0)
        admission_pass = self._passes.issue(user_id, room.event_id, expires_at)
        return PlaceView(RoomState.ADMITTED, number, serving, 0, 0, admission_pass, expires_at)
