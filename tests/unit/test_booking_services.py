"""The booking use cases end to end over fakes: admission, queueing, the worker's batch,
settling, cancelling, sweeping and reconciling."""

from __future__ import annotations

import asyncio
import gc
import weakref
from datetime import timedelta
from uuid import uuid4

import pytest

from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.domain.errors import (
    BookingNotCancellable,
    IdempotencyKeyReused,
    NotFound,
    PerUserLimitReached,
    QueueUnavailable,
    SaleNotOpen,
    SoldOut,
    UnknownAccount,
)
from bolttickets.domain.model import BookingStatus, Role
from bolttickets.services.accounts import Actor
from bolttickets.services.bookings import Bookings
from bolttickets.services.catalog import Catalog
from bolttickets.services.messages import decode_update
from bolttickets.services.stock_sync import StockSync
from bolttickets.services.sweeper import resend_stale_holds
from tests.unit.conftest import World


async def test_a_booking_is_pending_until_the_worker_confirms_it(world: World) -> None:
    tt = await world.ticket_type(10)
    me = world.buyer()
    placed = await world.bookings.place(me, tt, 2, None)
    assert placed.status is BookingStatus.PENDING
    assert (await world.bookings.get(me, placed.booking_id)).status is BookingStatus.PENDING
    assert await world.remaining(tt) == 8

    await world.drain()

    booking = await world.bookings.get(me, placed.booking_id)
    assert (booking.status, booking.total_cents) == (BookingStatus.RESERVED, 5000)
    assert await world.stock.get_hold(placed.booking_id) is None
    assert (world.sold(tt), await world.remaining(tt)) == (2, 8)


async def test_refusals_are_business_errors(world: World) -> None:
    tt = await world.ticket_type(3, per_user_limit=2)
    with pytest.raises(PerUserLimitReached):
        await world.bookings.place(world.buyer(), tt, 3, None)
    await world.bookings.place(world.buyer(), tt, 2, None)
    with pytest.raises(SoldOut):
        await world.bookings.place(world.buyer(), tt, 2, None)
    later = await world.ticket_type(3, opens_in=60)
    with pytest.raises(SaleNotOpen):
        await world.bookings.place(world.buyer(), later, 1, None)
    with pytest.raises(NotFound):
        await world.bookings.place(world.buyer(), uuid4(), 1, None)


class TrackedActor(Actor):
    """An actor a test can hold weakly (a subclass of a slotted class gets __weakref__)."""


async def test_a_refused_request_leaves_nothing_behind(world: World) -> None:
    tt = await world.ticket_type(1)
    await world.bookings.place(world.buyer(), tt, 1, None)
    actor = TrackedActor(uuid4(), Role.CUSTOMER)
    alive = weakref.ref(actor)
    with pytest.raises(SoldOut) as first:
        await world.bookings.place(actor, tt, 1, None)
    with pytest.raises(SoldOut) as second:
        await world.bookings.place(world.buyer(), tt, 1, None)
    assert first.value is not second.value
    del actor, first, second
    gc.collect()
    assert alive() is None, "a refusal's traceback kept the request's frames alive"


async def test_the_same_key_gives_the_same_booking_and_books_once(world: World) -> None:
    tt = await world.ticket_type(10)
    me = world.buyer()
    first = await world.bookings.place(me, tt, 1, "key-1")
    again = await world.bookings.place(me, tt, 1, "key-1")
    assert first.booking_id == again.booking_id
    await world.drain()
    after = await world.bookings.place(me, tt, 1, "key-1")
    assert (after.booking_id, after.status) == (first.booking_id, BookingStatus.RESERVED)
    assert world.sold(tt) == 1
    with pytest.raises(IdempotencyKeyReused):
        await world.bookings.place(me, tt, 2, "key-1")


async def test_a_key_used_on_another_ticket_type_is_refused_and_its_hold_given_back(
    world: World,
) -> None:
    first_type, other_type = await world.ticket_type(5), await world.ticket_type(1)
    me = world.buyer()
    await world.bookings.place(me, first_type, 1, "key-1")
    await world.drain()  # settled: only the database still knows the key

    with pytest.raises(IdempotencyKeyReused):
        await world.bookings.place(me, other_type, 1, "key-1")
    assert await world.remaining(other_type) == 1
    assert world.queue.sent == []  # nothing of the refusal was queued
    placed = await world.bookings.place(me, other_type, 1, "key-2")  # the count was given back
    assert placed.status is BookingStatus.PENDING


async def test_a_database_that_does_not_answer_does_not_stop_the_sale(world: World) -> None:
    tt = await world.ticket_type(5)
    await world.bookings.place(world.buyer(), tt, 1, None)  # the API knows the ticket type now
    world.uow.down = True  # and cannot look the key up
    placed = await world.bookings.place(world.buyer(), tt, 1, "key-1")
    assert placed.status is BookingStatus.PENDING
    world.uow.down = False
    await world.drain()
    assert world.sold(tt) == 2


async def test_a_token_of_an_unknown_account_is_refused_and_its_hold_given_back(
    world: World,
) -> None:
    tt = await world.ticket_type(5)
    with pytest.raises(UnknownAccount):
        await world.bookings.place(Actor(uuid4(), Role.CUSTOMER), tt, 2, None)
    assert await world.remaining(tt) == 5
    assert world.queue.sent == []
    me = world.buyer()
    await world.bookings.place(me, tt, 1, None)
    opened = world.uow.opened
    await world.bookings.place(me, tt, 1, None)  # the account is known now: no read
    assert world.uow.opened == opened


async def test_the_bookings_admitted_in_one_tick_share_one_database_read(world: World) -> None:
    """Each admitted booking is checked against the database (its buyer, its key), and in a
    rush that read costs more than the rest of the booking: the requests the stock admitted
    together are checked by one unit of work."""
    tt = await world.ticket_type(100)
    await world.bookings.place(world.buyer(), tt, 1, None)  # the API knows the ticket type now
    buyers = [world.buyer() for _ in range(20)]
    opened = world.uow.opened

    placed = await asyncio.gather(
        *(world.bookings.place(b, tt, 1, f"key-{i}") for i, b in enumerate(buyers))
    )

    assert {p.status for p in placed} == {BookingStatus.PENDING}
    assert world.uow.opened == opened + 1
    assert len(world.queue.sent) == 21


async def test_buyers_read_in_one_tick_are_admitted_when_the_cache_of_accounts_fills(
    world: World,
) -> None:
    """Learning a tick's buyers may clear a full cache of known accounts midway: a buyer the
    database just found must not then be taken for an unknown account."""
    world.bookings._users._size = 2
    tt = await world.ticket_type(100)
    await world.bookings.place(world.buyer(), tt, 1, None)  # the API knows the ticket type now
    buyers = [world.buyer() for _ in range(5)]

    placed = await asyncio.gather(*(world.bookings.place(b, tt, 1, None) for b in buyers))

    assert {p.status for p in placed} == {BookingStatus.PENDING}


async def test_a_sale_opening_reads_its_ticket_type_once(world: World) -> None:
    """The first requests of a sale all find the ticket type missing from the cache: one
    reads it, the others wait for that read."""
    tt = await world.ticket_type(100)
    world.uow.suspends = True
    opened = world.uow.opened

    await asyncio.gather(*(world.bookings.place(world.buyer(), tt, 1, None) for _ in range(20)))

    ticket_type_reads = world.uow.opened - opened - 1  # the one admission check of the tick
    assert ticket_type_reads == 1


async def test_a_refusal_reads_no_database(world: World) -> None:
    """The refusals that are most of a flash sale must stay off the database; only a request
    the stock admitted is checked against the booking its key may already have."""
    tt = await world.ticket_type(1)
    await world.bookings.place(world.buyer(), tt, 1, "mine")
    opened = world.uow.opened
    for i in range(5):
        with pytest.raises(SoldOut):
            await world.bookings.place(world.buyer(), tt, 1, f"late-{i}")
    assert world.uow.opened == opened


async def test_a_failed_send_keeps_the_hold_and_the_sweeper_delivers_it(world: World) -> None:
    tt = await world.ticket_type(10)
    me = world.buyer()
    world.queue.failing = True
    with pytest.raises(QueueUnavailable):
        await world.bookings.place(me, tt, 1, "k")
    assert await world.remaining(tt) == 9  # the outcome is unknown: nothing is given back
    world.queue.failing = False

    assert (
        await resend_stale_holds(
            world.uow, world.stock, world.queue, world.clock, timedelta(seconds=5)
        )
    ).sent == 0
    world.clock.advance(6)
    assert (
        await resend_stale_holds(
            world.uow, world.stock, world.queue, world.clock, timedelta(seconds=5)
        )
    ).sent == 1
    await world.drain()

    retry = await world.bookings.place(me, tt, 1, "k")
    assert retry.status is BookingStatus.RESERVED
    assert world.sold(tt) == 1


async def test_redelivered_and_resent_requests_book_once(world: World) -> None:
    tt = await world.ticket_type(10)
    await world.bookings.place(world.buyer(), tt, 2, "k")
    duplicate = list(world.queue.sent)
    world.queue.sent += duplicate
    await world.drain()
    world.queue.sent = duplicate  # a redelivery after the batch committed
    await world.drain()
    assert len(world.uow.data.bookings) == 1
    assert (world.sold(tt), await world.remaining(tt)) == (2, 8)


async def test_the_worker_rejects_what_the_stock_let_through_and_gives_it_back(
    world: World,
) -> None:
    tt = await world.ticket_type(5)
    # Stock set too high (as after a lost Redis): the database still decides.
    snapshot = await world.stock.hold_snapshot(tt)
    assert snapshot is not None
    await world.stock.compare_and_set(tt, snapshot.version, 50)
    for _ in range(8):
        await world.bookings.place(world.buyer(), tt, 1, None)
    await world.drain()
    statuses = [b.status for b, _, _ in world.uow.data.bookings.values()]
    assert statuses.count(BookingStatus.RESERVED) == 5
    assert statuses.count(BookingStatus.REJECTED) == 3
    assert await world.sync.reconcile(tt)
    assert await world.remaining(tt) == 0


async def test_reconcile_counts_unsettled_holds(world: World) -> None:
    tt = await world.ticket_type(10)
    await world.bookings.place(world.buyer(), tt, 3, None)
    snapshot = await world.stock.hold_snapshot(tt)
    assert snapshot is not None
    await world.stock.compare_and_set(tt, snapshot.version, 99)
    assert await world.sync.reconcile(tt)
    assert await world.remaining(tt) == 7
    await world.drain()
    assert await world.sync.reconcile(tt)
    assert (await world.remaining(tt), world.sold(tt)) == (7, 3)


async def test_cancel_releases_once_and_refuses_pending(world: World) -> None:
    tt = await world.ticket_type(4)
    me = world.buyer()
    placed = await world.bookings.place(me, tt, 2, None)
    with pytest.raises(BookingNotCancellable):
        await world.bookings.cancel(me, placed.booking_id)
    await world.drain()
    first = await world.bookings.cancel(me, placed.booking_id)
    second = await world.bookings.cancel(me, placed.booking_id)
    assert first.status is second.status is BookingStatus.CANCELLED
    assert (world.sold(tt), await world.remaining(tt)) == (0, 4)
    inventory, bookings, _ = decode_update(world.pubsub.published[-1][1])
    assert inventory[0].inventory.remaining == 4
    assert bookings[0].status == "cancelled"


async def test_someone_elses_booking_is_not_found(world: World) -> None:
    tt = await world.ticket_type(4)
    placed = await world.bookings.place(world.buyer(), tt, 1, None)
    with pytest.raises(NotFound):
        await world.bookings.get(world.buyer(), placed.booking_id)
    admin = Actor(uuid4(), Role.ADMIN)
    assert (await world.bookings.get(admin, placed.booking_id)).id == placed.booking_id


async def test_unknown_stock_is_rebuilt_from_the_database(world: World) -> None:
    tt = await world.ticket_type(5, per_user_limit=2)
    me = world.buyer()
    await world.bookings.place(me, tt, 2, "a")
    await world.drain()
    lost = MemoryStockStore(world.clock)  # as after a Redis FLUSHALL
    world.stock = lost
    sync = StockSync(world.uow, lost)
    bookings = Bookings(
        world.uow,
        world.uow,
        lost,
        world.queue,
        world.pubsub,
        Catalog(world.uow, lost, sync, world.clock),
        sync,
        world.clock,
    )
    again = await bookings.place(me, tt, 2, "a")
    assert again.status is BookingStatus.RESERVED  # the key survived in the database
    with pytest.raises(PerUserLimitReached):
        await bookings.place(me, tt, 1, None)
    assert (await lost.inventory([tt]))[tt].remaining == 3


async def test_one_update_per_batch_carries_statuses_and_stock(world: World) -> None:
    tt = await world.ticket_type(10)
    for _ in range(5):
        await world.bookings.place(world.buyer(), tt, 1, None)
    await world.drain()
    assert len(world.pubsub.published) == 1
    inventory, bookings, _ = decode_update(world.pubsub.published[0][1])
    assert [i.inventory.remaining for i in inventory] == [5]
    assert {b.status for b in bookings} == {"reserved"} and len(bookings) == 5
