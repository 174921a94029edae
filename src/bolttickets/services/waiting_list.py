"""Waiting lists after a sell-out (docs/waiting-room.md, "Waiting list").

A buyer joins a sold-out ticket type's list; each ticket that comes back is offered to the
next in line with a pass (``AdmissionPasses``, bound to buyer, event and ticket type) valid
for the event's offer lifetime; an offer not taken passes on. While anyone waits or holds an
offer the ticket type is *gated*: every process knows the gated ticket types in memory
(loaded at start, refreshed by the ticker, changed through the pub/sub backplane), so a
booking learns from a dictionary whether it needs an offer, and checks the offer's pass from
its signature: no store is asked on the hot path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import orjson
import structlog

from bolttickets.domain.errors import (
    Forbidden,
    NotFound,
    NotSoldOut,
    Unavailable,
    WaitingListRequired,
)
from bolttickets.domain.model import Event, TicketType
from bolttickets.domain.waiting_list import ListCounts, ListPlace, Offers
from bolttickets.services.accounts import Actor
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.catalog import Catalog
from bolttickets.services.ports import (
    Clock,
    PubSub,
    Spare,
    Subscription,
    UnitOfWorkFactory,
    WaitingListStore,
)

log = structlog.get_logger("bolttickets.waiting_list")

LISTS_CHANNEL = "waiting-list"
"""A ``waiting_list`` frame whenever a list's offers change, for the event's subscribers."""
GATES_CHANNEL = "waiting-list-gates"
"""``<ticket type> <event> <1|0>``: a list became gated (or not); every process follows."""
# A list outlives its event by this much: buyers may still look at their place a while.
_KEEP_AFTER = timedelta(days=1)
_EVERYONE = 2**31


@dataclass(frozen=True, slots=True)
class PlaceView:
    """A buyer's place, with the offer's pass while they hold one."""

    ticket_type_id: UUID
    place: ListPlace
    offer_pass: str | None = None


class WaitingLists:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        store: WaitingListStore,
        catalog: Catalog,
        pubsub: PubSub,
        passes: AdmissionPasses,
        clock: Clock,
        *,
        offer_ttl_seconds: int,
    ) -> None:
        """``offer_ttl_seconds``: the offers' lifetime where the event sets none."""
        self._uow = uow
        self._store = store
        self._catalog = catalog
        self._pubsub = pubsub
        self._passes = passes
        self._clock = clock
        self._default_ttl = offer_ttl_seconds
        self._ttls: dict[UUID, int] = {}
        """Event -> its offers' lifetime, for the gated lists' events (read again on every
        refresh, so an organiser's change is in force within one)."""
        self._gated: dict[UUID, UUID] = {}
        """Ticket type -> event, of the lists only an offer books."""
        self._tasks: set[asyncio.Task[None]] = set()

    # --- the gated ticket types every process knows -------------------------------------

    async def start(self) -> None:
        subscription = await self._pubsub.subscribe(GATES_CHANNEL, on_gap=self._refresh_soon)
        await self.refresh()
        task = asyncio.create_task(self._follow(subscription), name="waiting-list-gates")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def refresh(self) -> None:
        self._gated = await self._store.gated()
        self._ttls = {
            event_id: await self._read_ttl(event_id) for event_id in set(self._gated.values())
        }

    async def _read_ttl(self, event_id: UUID) -> int:
        async with self._uow() as uow:
            room = await uow.waiting_rooms.get(event_id)
        if room is None or room.offer_ttl_seconds is None:
            return self._default_ttl
        return room.offer_ttl_seconds

    async def _expiry(self, event_id: UUID) -> datetime:
        """When an offer made now expires: whole seconds, as its pass's expiry is, so the
        pass never outlives the offer."""
        ttl = self._ttls.get(event_id)
        if ttl is None:
            ttl = self._ttls[event_id] = await self._read_ttl(event_id)
        return datetime.fromtimestamp(int(self._clock.now().timestamp()) + ttl, UTC)

    def _refresh_soon(self) -> None:
        task = asyncio.create_task(self.refresh(), name="waiting-list-refresh")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, subscription: Subscription) -> None:
        try:
            async for message in subscription:
                try:
                    ticket_type, event, gated = message.decode().split()
                    self._gate(UUID(ticket_type), UUID(event), gated == "1")
                except ValueError:
                    log.warning("bad_waiting_list_gate_message")
        finally:
            await subscription.close()

    def _gate(self, ticket_type_id: UUID, event_id: UUID, gated: bool) -> None:
        if gated:
            self._gated[ticket_type_id] = event_id
        else:
            self._gated.pop(ticket_type_id, None)

    # --- the hot path ---------------------------------------------------------------------

    def check_offer(
        self, event_id: UUID, ticket_type_id: UUID, user_id: UUID, token: str | None, quantity: int
    ) -> bool:
        """Whether booking this ticket type takes an offer; raises WaitingListRequired when
        it does and ``token`` is not this buyer's valid offer of it (for one ticket). No
        store is asked: every booking comes through here."""
        if ticket_type_id not in self._gated:
            return False
        if token is None:
            raise WaitingListRequired(event_id=event_id)
        self._passes.verify_offer(token, user_id, event_id, ticket_type_id)
        if quantity != 1:
            raise WaitingListRequired("An offer is for one ticket.", event_id=event_id)
        return True

    async def use(self, event_id: UUID, ticket_type_id: UUID, user_id: UUID) -> None:
        """The offered buyer's booking holds a ticket: their offer is used. Raises
        WaitingListRequired for an offer that lapsed or was left meanwhile (the pass's
        signature does not know): the caller gives the ticket back."""
        if not await self._store.use(ticket_type_id, user_id, self._clock.now()):
            raise WaitingListRequired(
                "Your offer is no longer yours: it lapsed or you left the list.",
                event_id=event_id,
            )

    # --- tickets that come back -----------------------------------------------------------

    async def stock_returned(self, ticket_type_id: UUID, count: int) -> None:
        """``count`` tickets of the type came back (a cancellation, an expired hold): offer
        them to the next ``count`` in line, never more than the stock holds unoffered."""
        if ticket_type_id not in self._gated or count <= 0:
            return
        _, event = await self._catalog.ticket_type(ticket_type_id)
        try:
            await self._offer(event, ticket_type_id, count)
        except Unavailable:  # the tickets are back in the stock: the ticker offers them
            log.warning("waiting_list_offer_deferred", ticket_type_id=str(ticket_type_id))

    async def _offer(self, event: Event, ticket_type_id: UUID, count: int) -> None:
        # The purchase count first, the stock after: the store subtracts purchases since.
        counts = await self._store.counts(ticket_type_id)
        if counts is None:
            return
        ticket_type = next(t for t in event.ticket_types if t.id == ticket_type_id)
        remaining, _ = (await self._catalog.remaining([ticket_type]))[ticket_type_id]
        offers = await self._store.offer(
            ticket_type_id, count, Spare(remaining, counts.bought), await self._expiry(event.id)
        )
        await self._changed(event.id, ticket_type_id, offers)

    async def sweep(self) -> None:
        """Lapse expired offers and pass them on, and offer the tickets no offer holds yet
        (a return no hook told of) to whoever waits: the ticker runs it every tick."""
        now = self._clock.now()
        for ticket_type_id in list(self._gated):
            _, event = await self._catalog.ticket_type(ticket_type_id)
            offers = await self._store.lapse(ticket_type_id, now, await self._expiry(event.id))
            if offers.lapsed:
                log.info(
                    "waiting_list_offers_lapsed",
                    ticket_type_id=str(ticket_type_id),
                    lapsed=offers.lapsed,
                )
            await self._changed(event.id, ticket_type_id, offers)
            if offers.gated:
                await self._offer(event, ticket_type_id, _EVERYONE)

    async def _changed(
        self, event_id: UUID, ticket_type_id: UUID, offers: Offers, *, announce: bool = False
    ) -> None:
        """Tell every process of the gate after a step that may have moved it (``announce``:
        a join or a leave, whatever this process believed), and the event's subscribers of
        changed offers."""
        moved = offers.gated != (ticket_type_id in self._gated)
        if announce or moved or offers.offered or offers.lapsed:
            await self._publish_gate(event_id, ticket_type_id, offers.gated)
        if offers.offered or offers.lapsed:
            await self._pubsub.publish(
                LISTS_CHANNEL,
                orjson.dumps(
                    {
                        "type": "waiting_list",
                        "event_id": str(event_id),
                        "ticket_type_id": str(ticket_type_id),
                        "offered_through": offers.offered_through,
                    }
                ),
            )

    async def _publish_gate(self, event_id: UUID, ticket_type_id: UUID, gated: bool) -> None:
        self._gate(ticket_type_id, event_id, gated)
        message = f"{ticket_type_id} {event_id} {int(gated)}"
        await self._pubsub.publish(GATES_CHANNEL, message.encode())

    # --- the buyer's side -----------------------------------------------------------------

    async def join(self, actor: Actor, event_id: UUID, ticket_type_id: UUID) -> PlaceView:
        ticket_type, event = await self._ticket_type(event_id, ticket_type_id)
        if ticket_type_id not in self._gated:
            remaining, _ = (await self._catalog.remaining([ticket_type]))[ticket_type_id]
            if remaining > 0:
                raise NotSoldOut()
        offers = await self._store.join(
            event_id, ticket_type_id, actor.user_id, event.starts_at + _KEEP_AFTER
        )
        await self._changed(event_id, ticket_type_id, offers, announce=True)
        view = await self._view(actor.user_id, event_id, ticket_type_id)
        assert view is not None, "a buyer who joined has a place"
        return view

    async def mine(self, actor: Actor, event_id: UUID) -> list[PlaceView]:
        """One place per ticket type of the event the buyer joined."""
        event = (await self._catalog.get_event(event_id)).event
        views = [await self._view(actor.user_id, event_id, t.id) for t in event.ticket_types]
        return [view for view in views if view is not None]

    async def leave(self, actor: Actor, event_id: UUID, ticket_type_id: UUID) -> None:
        await self._ticket_type(event_id, ticket_type_id)
        if await self._store.place(ticket_type_id, actor.user_id) is None:
            raise NotFound("You are not on this ticket type's waiting list.")
        offers = await self._store.leave(
            ticket_type_id, actor.user_id, await self._expiry(event_id)
        )
        await self._changed(event_id, ticket_type_id, offers, announce=True)

    async def _view(self, user_id: UUID, event_id: UUID, ticket_type_id: UUID) -> PlaceView | None:
        place = await self._store.place(ticket_type_id, user_id)
        if place is None:
            return None
        offer_pass = None
        if place.offer_expires_at is not None:
            offer_pass = self._passes.issue(
                user_id, event_id, place.offer_expires_at, ticket_type_id
            )
        return PlaceView(ticket_type_id, place, offer_pass)

    async def _ticket_type(self, event_id: UUID, ticket_type_id: UUID) -> tuple[TicketType, Event]:
        ticket_type, event = await self._catalog.ticket_type(ticket_type_id)
        if event.id != event_id:
            raise NotFound(f"Event {event_id} has no ticket type {ticket_type_id}.")
        return ticket_type, event

    # --- the organiser's side -------------------------------------------------------------

    async def overview(self, actor: Actor, event_id: UUID) -> list[ListCounts]:
        event = (await self._catalog.get_event(event_id)).event
        if not event.managed_by(actor.user_id, actor.role):
            raise Forbidden("Only the event's organizer or an admin sees its waiting lists.")
        counts = [await self._store.counts(t.id) for t in event.ticket_types]
        return [c for c in counts if c is not None]
