"""Who advances "now serving": a loop in every process, of which only the one holding the
store's lease ticks. Any number of API processes (and workers) may run it; they agree
because one of them at a time holds the lease, and a holder that dies lets it lapse to
another within one lease lifetime. No extra process is needed.

Each tick also sweeps the waiting lists (``WaitingLists.sweep``: expired offers pass on).

Each tick, for each open room: the lottery at the sale's start, then admissions (a fixed
rate, or automatic: by the tickets that remain), then one ``waiting_room`` message per
event on the pub/sub backplane, whatever the number of buyers. A sell-out wakes the loop
at once (the inventory update that says so), so waiting buyers learn of it within a tick's
latency, not a tick's period.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import uuid4

import structlog

from bolttickets.domain.errors import DomainError
from bolttickets.domain.model import Event
from bolttickets.domain.waiting_room import (
    RoomSettings,
    RoomState,
    TickMark,
    automatic_admissions,
    measured_rate,
    outstanding,
    trimmed,
)
from bolttickets.services.catalog import Catalog
from bolttickets.services.messages import UPDATES_CHANNEL, decode_update
from bolttickets.services.ports import (
    Clock,
    PubSub,
    RoomCounters,
    Subscription,
    WaitingRoomStore,
)
from bolttickets.services.waiting_list import WaitingLists
from bolttickets.services.waiting_room import ROOMS_CHANNEL, RoomStatus, WaitingRooms, room_frame

log = structlog.get_logger("bolttickets.waiting_room")

LEASE = "ticker"
RATE_WINDOW_SECONDS = 60.0
# A fixed rate catches up at most this much after a pause (a lease handed over, a stall):
# admitting a long pause's worth at once would be a burst the rate exists to prevent.
_MAX_CATCH_UP_SECONDS = 10.0
# The counters are marked every few seconds, not every tick: the marks of a pass lifetime
# (the automatic rate's window) stay a few kilobytes.
_MARK_EVERY_SECONDS = 5.0
# How long a room's places outlive its event: buyers may still look at theirs for a while.
_KEEP_AFTER = timedelta(days=1)


class RoomTicker:
    def __init__(
        self,
        rooms: WaitingRooms,
        store: WaitingRoomStore,
        catalog: Catalog,
        pubsub: PubSub,
        clock: Clock,
        *,
        every: float,
        refresh_every: float = 5.0,
        lists: WaitingLists | None = None,
    ) -> None:
        """``lists``: their gates are refreshed and their offers swept here too."""
        self._rooms = rooms
        self._store = store
        self._catalog = catalog
        self._pubsub = pubsub
        self._clock = clock
        self._every = every
        self._refresh_every = refresh_every
        self._lists = lists
        self._holder = uuid4().hex
        self._lease = timedelta(seconds=max(3 * every, 2.0))
        self._wake = asyncio.Event()
        self._failing: set[str] = set()

    async def run(self) -> None:
        subscription = await self._pubsub.subscribe(UPDATES_CHANNEL)
        watcher = asyncio.create_task(self._watch_sell_outs(subscription), name="room-sellouts")
        refreshed = 0.0
        try:
            while True:
                now = asyncio.get_running_loop().time()
                if now - refreshed >= self._refresh_every:
                    refreshed = now
                    await self._attempt("refresh", self._rooms.refresh)
                    if self._lists is not None:
                        await self._attempt("refresh-lists", self._lists.refresh)
                # Admission needs only the room store and the stock: a database that does
                # not answer leaves the rooms as last known, and ticking goes on.
                await self._attempt("tick", self.tick)
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._every)
                except TimeoutError:
                    pass
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    async def _attempt(self, step: str, action: Callable[[], Awaitable[object]]) -> None:
        """Run one step; a failure is logged when it starts and when it ends, not every tick."""
        try:
            await action()
        except DomainError as exc:  # a store that does not answer: the next tick tries again
            if step not in self._failing:
                log.warning("waiting_room_step_failed", step=step, error=exc.detail)
            self._failing.add(step)
            return
        except Exception:  # a bug must not stop every room for good
            log.exception("waiting_room_step_crashed", step=step)
            return
        if step in self._failing:
            self._failing.discard(step)
            log.info("waiting_room_step_recovered", step=step)

    async def _watch_sell_outs(self, subscription: Subscription) -> None:
        try:
            async for message in subscription:
                try:
                    inventory = decode_update(message).inventory
                except (ValueError, KeyError, TypeError):
                    continue
                if any(
                    u.inventory.remaining <= 0 and self._rooms.room_of(u.event_id) is not None
                    for u in inventory
                ):
                    self._wake.set()
        finally:
            await subscription.close()

    async def tick(self) -> bool:
        """Tick every open room if this process holds the lease; whether it did."""
        if not await self._store.lease(LEASE, self._holder, self._lease):
            return False
        for room in self._rooms.active():
            if self._clock.now() >= room.opens_at:
                await self._tick(room)
        if self._lists is not None:
            await self._lists.sweep()
        return True

    async def _tick(self, room: RoomSettings) -> None:
        event_id = room.event_id
        event = await self._rooms.event(event_id)
        now = self._clock.now()
        started = now >= room.lottery_at(event)
        counters = await self._store.counters(event_id)
        if started and not counters.drawn:
            await self._rooms.draw(event_id)
        previous = RoomStatus.decode(counters.status)
        remaining = await self._remaining(event)
        serving, carry = counters.now_serving, previous.carry
        at = now.timestamp()
        if started and remaining > 0:
            admit, carry = _admissions(room, previous, counters, remaining, at)
            serving = await self._store.advance(event_id, counters.now_serving + admit)
        marks = list(previous.history)
        if not marks or at - marks[-1].at >= _MARK_EVERY_SECONDS:
            marks.append(TickMark(at, serving, counters.bought))
        history = trimmed(marks, at, max(room.pass_ttl_seconds, RATE_WINDOW_SECONDS))
        status = RoomStatus(
            state=RoomState.SOLD_OUT if remaining <= 0 else RoomState.WAITING,
            now_serving=serving,
            admit_per_minute=measured_rate(history, RATE_WINDOW_SECONDS)
            or (None if room.admit_per_minute is None else float(room.admit_per_minute)),
            history=tuple(history),
            carry=carry,
            ticked_at=at,
        )
        await self._store.save_status(event_id, status.encode(), event.starts_at + _KEEP_AFTER)
        await self._pubsub.publish(ROOMS_CHANNEL, room_frame(event_id, status))

    async def _remaining(self, event: Event) -> int:
        remaining = await self._catalog.remaining(event.ticket_types)
        return sum(max(0, value) for value, _ in remaining.values())


def _admissions(
    room: RoomSettings, previous: RoomStatus, counters: RoomCounters, remaining: int, at: float
) -> tuple[int, float]:
    """How many to admit now, and the fixed rate's fraction carried to the next tick."""
    if room.admit_per_minute is None:
        pending = outstanding(
            previous.history, counters.now_serving, counters.bought, at - room.pass_ttl_seconds
        )
        return automatic_admissions(pending, remaining, room.automatic_factor), 0.0
    last = previous.ticked_at if previous.ticked_at is not None else at
    elapsed = min(max(0.0, at - last), _MAX_CATCH_UP_SECONDS)
    due = previous.carry + room.admit_per_minute * elapsed / 60
    admit = math.floor(due)
    return admit, due - admit
