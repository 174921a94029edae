"""The StockStore contract: the embedded store and the Redis one, held to the same answers.

The memory store reads a SystemClock and Redis its own TIME, so sale windows here are hours
away from the present on either side and never depend on a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from bolttickets.adapters.memory_stock import MemoryStockStore
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import LOAD_CHUNK, RedisStockStore
from bolttickets.adapters.redis_substocks import RedisSubStockStore
from bolttickets.domain.requests import BookingRequest, booking_id_for, fingerprint
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import Admission, Inventory, Settlement, StockLoad, StockStore

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
EVENT = uuid4()


@contextlib.asynccontextmanager
async def fresh_store(
    client: RedisClient, *, single_node: bool, sub_stocks: int = 1
) -> AsyncIterator[RedisStockStore | RedisSubStockStore]:
    """A namespace of its own, like a fresh memory store: claim_stale_holds walks every
    ticket type of the store, and other tests may share this Redis. ``sub_stocks`` > 1
    splits each stock (a cluster's)."""
    namespace = f"bolt-test-{uuid4().hex}"
    store: RedisStockStore | RedisSubStockStore
    if sub_stocks > 1:
        store = RedisSubStockStore(client, namespace, sub_stocks=sub_stocks)
    else:
        store = RedisStockStore(client, namespace, single_node=single_node)
    await store.start()
    yield store
    async for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        await client.unlink(key)


@pytest.fixture
async def redis_stock(redis_client: RedisClient) -> AsyncIterator[RedisStockStore]:
    async with fresh_store(redis_client, single_node=True) as store:
        yield store


@pytest.fixture
async def redis_multi_step_stock(redis_client: RedisClient) -> AsyncIterator[RedisStockStore]:
    """The path a Redis Cluster needs (the hold index in another slot), on the same Redis."""
    async with fresh_store(redis_client, single_node=False) as store:
        yield store


@pytest.fixture
async def redis_cluster_stock(redis_cluster_client: RedisClient) -> AsyncIterator[RedisStockStore]:
    async with fresh_store(redis_cluster_client, single_node=False) as store:
        yield store


@pytest.fixture
async def redis_cluster_k2_stock(
    redis_cluster_client: RedisClient,
) -> AsyncIterator[RedisStockStore | RedisSubStockStore]:
    async with fresh_store(redis_cluster_client, single_node=False, sub_stocks=2) as store:
        yield store


@pytest.fixture
async def redis_cluster_k3_stock(
    redis_cluster_client: RedisClient,
) -> AsyncIterator[RedisStockStore | RedisSubStockStore]:
    async with fresh_store(redis_cluster_client, single_node=False, sub_stocks=3) as store:
        yield store


@pytest.fixture(
    params=[
        "memory",
        "redis",
        "redis_multi_step",
        "redis_cluster",
        "redis_cluster_k2",
        "redis_cluster_k3",
    ]
)
def stock(request: pytest.FixtureRequest) -> StockStore:
    if request.param == "memory":
        return MemoryStockStore(SystemClock())
    store: StockStore = request.getfixturevalue(f"{request.param}_stock")
    return store


def request(
    ticket_type_id: UUID,
    user_id: UUID | None = None,
    *,
    quantity: int = 1,
    key: str | None = None,
    created_at: datetime | None = None,
) -> BookingRequest:
    user_id = user_id or uuid4()
    return BookingRequest(
        booking_id=booking_id_for(user_id, key),
        user_id=user_id,
        event_id=EVENT,
        ticket_type_id=ticket_type_id,
        quantity=quantity,
        unit_price_cents=4200,
        currency="EUR",
        idempotency_key=key,
        fingerprint=fingerprint(ticket_type_id, quantity),
        created_at=created_at or datetime.now(UTC),
    )


def stock_load(
    ticket_type_id: UUID,
    remaining: int = 10,
    *,
    per_user_limit: int | None = None,
    opens_in: timedelta | None = -HOUR,
    closes_in: timedelta = 24 * HOUR,
    per_user: Mapping[UUID, int] | None = None,
    keyed_bookings: Mapping[UUID, str] | None = None,
    holds: Sequence[BookingRequest] = (),
) -> StockLoad:
    now = datetime.now(UTC)
    return StockLoad(
        ticket_type_id=ticket_type_id,
        event_id=EVENT,
        remaining=remaining,
        per_user_limit=per_user_limit,
        sale_opens_at=None if opens_in is None else now + opens_in,
        sale_closes_at=now + closes_in,
        per_user=per_user or {},
        keyed_bookings=keyed_bookings or {},
        holds=holds,
    )


async def loaded(stock: StockStore, remaining: int = 10, **options: Any) -> UUID:
    """A new ticket type, loaded; ``options`` as for stock_load."""
    tt = uuid4()
    assert await stock.load(stock_load(tt, remaining, **options))
    return tt


async def inventory(stock: StockStore, ticket_type_id: UUID) -> Inventory:
    return (await stock.inventory([ticket_type_id]))[ticket_type_id]


async def held(stock: StockStore) -> BookingRequest:
    """A hold of 2 on a new ticket type of 10 with a limit of 2 per buyer."""
    tt = await loaded(stock, 10, per_user_limit=2)
    booking = request(tt, quantity=2)
    assert await stock.reserve(booking) is Admission.RESERVED
    return booking


async def reserve_all(stock: StockStore, requests: Sequence[BookingRequest]) -> Counter[Admission]:
    """All at once, so that on Redis they race each other."""
    return Counter(await asyncio.gather(*(stock.reserve(r) for r in requests)))


# --- reserve ------------------------------------------------------------------------------


async def test_reserve_takes_the_stock_and_records_a_hold(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    before = await inventory(stock, tt)
    booking = request(tt, quantity=3)

    assert await stock.reserve(booking) is Admission.RESERVED

    after = await inventory(stock, tt)
    assert after.remaining == 7
    assert after.version > before.version
    assert await stock.get_hold(booking.booking_id) == booking
    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None
    assert snapshot.holds == {booking.booking_id: 3}


async def test_sells_out_exactly_at_capacity(stock: StockStore) -> None:
    tt = await loaded(stock, 10)

    outcomes = await reserve_all(stock, [request(tt) for _ in range(12)])

    assert outcomes == {Admission.RESERVED: 10, Admission.SOLD_OUT: 2}
    assert (await inventory(stock, tt)).remaining == 0


async def test_refuses_more_than_what_remains(stock: StockStore) -> None:
    tt = await loaded(stock, 2)

    assert await stock.reserve(request(tt, quantity=3)) is Admission.SOLD_OUT
    assert await stock.reserve(request(tt, quantity=2)) is Admission.RESERVED


async def test_per_user_limit_counts_held_and_loaded_tickets(stock: StockStore) -> None:
    buyer, veteran = uuid4(), uuid4()
    tt = await loaded(stock, 10, per_user_limit=4, per_user={veteran: 4})

    assert await stock.reserve(request(tt, buyer, quantity=3)) is Admission.RESERVED
    assert await stock.reserve(request(tt, buyer, quantity=2)) is Admission.PER_USER_LIMIT
    assert await stock.reserve(request(tt, buyer)) is Admission.RESERVED
    assert await stock.reserve(request(tt, buyer)) is Admission.PER_USER_LIMIT
    assert await stock.reserve(request(tt, veteran)) is Admission.PER_USER_LIMIT
    assert await stock.reserve(request(tt, quantity=4)) is Admission.RESERVED
    assert (await inventory(stock, tt)).remaining == 2


@pytest.mark.parametrize(
    ("opens_in", "closes_in", "expected"),
    [
        (HOUR, 2 * HOUR, Admission.SALE_NOT_OPEN),
        (-2 * HOUR, -HOUR, Admission.SALE_NOT_OPEN),
        (-HOUR, HOUR, Admission.RESERVED),
        (None, HOUR, Admission.RESERVED),
    ],
    ids=["not-yet-open", "closed", "open", "no-opening-time"],
)
async def test_sale_window(
    stock: StockStore, opens_in: timedelta | None, closes_in: timedelta, expected: Admission
) -> None:
    tt = await loaded(stock, 10, opens_in=opens_in, closes_in=closes_in)

    assert await stock.reserve(request(tt)) is expected
    assert (await inventory(stock, tt)).remaining == (9 if expected is Admission.RESERVED else 10)


async def test_unknown_stock_admits_nobody(stock: StockStore) -> None:
    tt = uuid4()

    assert await stock.reserve(request(tt)) is Admission.UNKNOWN
    assert await stock.inventory([tt]) == {}
    assert await stock.hold_snapshot(tt) is None
    assert not await stock.compare_and_set(tt, 1, 10)


async def test_idempotency_key_duplicate_and_reuse(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    buyer = uuid4()
    first = request(tt, buyer, quantity=2, key="intent-1")
    assert await stock.reserve(first) is Admission.RESERVED
    after_first = await inventory(stock, tt)

    assert await stock.reserve(request(tt, buyer, quantity=2, key="intent-1")) is (
        Admission.DUPLICATE
    )
    assert await stock.reserve(request(tt, buyer, quantity=1, key="intent-1")) is (
        Admission.KEY_REUSED
    )
    assert await stock.reserve(request(tt, quantity=2, key="intent-1")) is Admission.RESERVED

    assert (await inventory(stock, tt)).remaining == after_first.remaining - 2
    assert await stock.get_hold(first.booking_id) == first


async def test_a_key_held_on_another_ticket_type_is_reused(stock: StockStore) -> None:
    """A key belongs to its user: its pending hold on one ticket type refuses it on another
    (the booking id is the same, so the worker would take one for the other)."""
    buyer = uuid4()
    tt, other = await loaded(stock, 10), await loaded(stock, 10, per_user_limit=1)
    first = request(tt, buyer, key="intent-1")
    assert await stock.reserve(first) is Admission.RESERVED

    assert await stock.reserve(request(other, buyer, key="intent-1")) is Admission.KEY_REUSED
    assert (await inventory(stock, other)).remaining == 10
    assert await stock.get_hold(first.booking_id) == first
    # The buyer's count on the other ticket type was left alone, other buyers' keys too.
    assert await stock.reserve(request(other, buyer, key="intent-2")) is Admission.RESERVED
    assert await stock.reserve(request(other, key="intent-1")) is Admission.RESERVED


async def test_a_settled_booking_is_still_a_duplicate(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    first = request(tt, quantity=2, key="intent-1")
    await stock.reserve(first)
    await stock.settle([Settlement(first, confirmed=True)])

    assert await stock.reserve(first) is Admission.DUPLICATE
    assert await stock.get_hold(first.booking_id) is None
    assert (await inventory(stock, tt)).remaining == 8


async def test_concurrent_retries_reserve_once(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    buyer = uuid4()

    outcomes = await reserve_all(stock, [request(tt, buyer, key="intent-1") for _ in range(8)])

    assert outcomes == {Admission.RESERVED: 1, Admission.DUPLICATE: 7}
    assert (await inventory(stock, tt)).remaining == 9


async def test_a_request_without_key_is_never_a_duplicate(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    booking = request(tt)

    assert await stock.reserve(booking) is Admission.RESERVED
    assert await stock.reserve(booking) is Admission.RESERVED
    assert (await inventory(stock, tt)).remaining == 8


async def test_refusals_come_in_a_fixed_order(stock: StockStore) -> None:
    buyer, tt = uuid4(), uuid4()
    known = request(tt, buyer, quantity=2, key="intent-1")
    # A closed sale, no stock left and the buyer at their limit: the key still answers first.
    await stock.load(
        stock_load(
            tt,
            0,
            per_user_limit=2,
            opens_in=-2 * HOUR,
            closes_in=-HOUR,
            per_user={buyer: 2},
            keyed_bookings={known.booking_id: known.fingerprint},
        )
    )
    assert await stock.reserve(known) is Admission.DUPLICATE
    assert await stock.reserve(request(tt, buyer, key="intent-1")) is Admission.KEY_REUSED
    assert await stock.reserve(request(tt, buyer)) is Admission.SALE_NOT_OPEN

    open_tt = await loaded(stock, 0, per_user_limit=2, per_user={buyer: 2})
    assert await stock.reserve(request(open_tt, buyer)) is Admission.PER_USER_LIMIT
    assert await stock.reserve(request(open_tt)) is Admission.SOLD_OUT


# --- load ---------------------------------------------------------------------------------


async def test_load_without_replace_keeps_the_loaded_stock(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    booking = request(tt)
    await stock.reserve(booking)

    assert not await stock.load(stock_load(tt, 3))

    assert (await inventory(stock, tt)).remaining == 9
    assert await stock.get_hold(booking.booking_id) == booking


async def test_load_with_replace_overwrites_everything(stock: StockStore) -> None:
    buyer = uuid4()
    tt = await loaded(stock, 10, per_user_limit=2)
    old = request(tt, buyer, quantity=2, key="intent-1")
    await stock.reserve(old)
    before = await inventory(stock, tt)

    assert await stock.load(stock_load(tt, 3, per_user_limit=2), replace=True)

    after = await inventory(stock, tt)
    assert after.remaining == 3
    assert after.version > before.version
    assert await stock.get_hold(old.booking_id) is None
    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None
    assert snapshot.holds == {}
    # The buyer's count and key went with the old load.
    assert await stock.reserve(old) is Admission.RESERVED


async def test_replace_keeps_the_sale_rules_of_the_new_load(stock: StockStore) -> None:
    tt = await loaded(stock, 10, per_user_limit=1)

    await stock.load(stock_load(tt, 10, opens_in=None), replace=True)
    assert await stock.reserve(request(tt, quantity=5)) is Admission.RESERVED

    await stock.load(stock_load(tt, 10, opens_in=HOUR), replace=True)
    assert await stock.reserve(request(tt)) is Admission.SALE_NOT_OPEN


async def test_loaded_holds_are_holds_like_any_other(stock: StockStore) -> None:
    tt = uuid4()
    hold = request(tt, quantity=2, key="intent-1", created_at=datetime.now(UTC) - 10 * MINUTE)
    await stock.load(
        stock_load(
            tt,
            8,
            per_user={hold.user_id: 2},
            keyed_bookings={hold.booking_id: hold.fingerprint},
            holds=[hold],
        )
    )
    now = datetime.now(UTC)

    assert await stock.get_hold(hold.booking_id) == hold
    assert await stock.reserve(hold) is Admission.DUPLICATE
    assert await stock.claim_stale_holds(now - MINUTE, now, 100, await stock.ticket_types()) == [
        hold
    ]
    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None
    assert snapshot.holds == {hold.booking_id: 2}

    await stock.settle([Settlement(hold, confirmed=False)])
    assert (await inventory(stock, tt)).remaining == 10


async def test_a_large_load_arrives_whole(stock: StockStore) -> None:
    """More buyers, keys and holds than Redis takes in one call."""
    tt = uuid4()
    buyers = [uuid4() for _ in range(LOAD_CHUNK * 2)]
    holds = [request(tt, b, key="intent-1") for b in buyers[: LOAD_CHUNK // 2]]
    keyed = {booking_id_for(b, "intent-1"): fingerprint(tt, 1) for b in buyers}
    assert await stock.load(
        stock_load(
            tt,
            5,
            per_user_limit=1,
            per_user=dict.fromkeys(buyers, 1),
            keyed_bookings=keyed,
            holds=holds,
        )
    )

    assert await stock.get_hold(holds[-1].booking_id) == holds[-1]
    assert await stock.reserve(request(tt, buyers[-1], key="intent-1")) is Admission.DUPLICATE
    assert await stock.reserve(request(tt, buyers[-1])) is Admission.PER_USER_LIMIT
    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None
    assert len(snapshot.holds) == len(holds)

    assert await stock.load(stock_load(tt, 5), replace=True)
    assert await stock.reserve(request(tt, buyers[-1], key="intent-1")) is Admission.RESERVED
    assert await stock.get_hold(holds[-1].booking_id) is None


async def test_versions_only_grow(stock: StockStore) -> None:
    buyer = uuid4()
    tt = await loaded(stock, 10)
    versions = [(await inventory(stock, tt)).version]

    async def changed() -> None:
        versions.append((await inventory(stock, tt)).version)

    rejected = request(tt, buyer)
    await stock.reserve(rejected)
    await changed()
    await stock.settle([Settlement(rejected, confirmed=False)])
    await changed()
    assert await stock.compare_and_set(tt, versions[-1], 7)
    await changed()
    await stock.load(stock_load(tt, 10), replace=True)
    await changed()

    assert versions == sorted(set(versions))


# --- settle and release -------------------------------------------------------------------


async def test_settling_a_confirmed_booking_keeps_its_tickets_sold(stock: StockStore) -> None:
    booking = await held(stock)
    tt = booking.ticket_type_id

    await stock.settle([Settlement(booking, confirmed=True)])

    assert (await inventory(stock, tt)).remaining == 8
    assert await stock.get_hold(booking.booking_id) is None
    assert await stock.reserve(request(tt, booking.user_id)) is Admission.PER_USER_LIMIT


async def test_a_rejected_booking_gives_back_exactly_once(stock: StockStore) -> None:
    booking = await held(stock)
    tt, buyer = booking.ticket_type_id, booking.user_id
    rejected = Settlement(booking, confirmed=False)

    await stock.settle([rejected, rejected])
    await stock.settle([rejected])

    assert (await inventory(stock, tt)).remaining == 10
    assert await stock.get_hold(booking.booking_id) is None
    assert await stock.reserve(request(tt, buyer, quantity=2)) is Admission.RESERVED


async def test_settle_handles_many_ticket_types_in_one_call(stock: StockStore) -> None:
    first, second = await loaded(stock, 10), await loaded(stock, 10)
    bookings = [request(tt, quantity=2) for tt in (first, second, first)]
    await reserve_all(stock, bookings)

    settled = await stock.settle(
        [Settlement(b, confirmed=i != 1) for i, b in enumerate(bookings)]
        + [Settlement(request(uuid4()), confirmed=False)]
    )

    assert (await inventory(stock, first)).remaining == 6
    assert (await inventory(stock, second)).remaining == 10
    # What settling left, for the worker to publish without reading it again.
    assert settled == await stock.inventory([first, second])


async def test_release_gives_the_buyer_back_but_leaves_the_stock_to_reconcile(
    stock: StockStore,
) -> None:
    booking = await held(stock)
    tt, buyer = booking.ticket_type_id, booking.user_id
    await stock.settle([Settlement(booking, confirmed=True)])

    await stock.release(tt, buyer, 2)

    # Reconcile sets the remaining stock from the database: adding here as well would count
    # the cancel twice whenever a reconcile read it first.
    assert (await inventory(stock, tt)).remaining == 8
    assert await stock.reserve(request(tt, buyer, quantity=2)) is Admission.RESERVED


async def test_release_of_an_unknown_stock_loads_nothing(stock: StockStore) -> None:
    tt = uuid4()

    await stock.release(tt, uuid4(), 2)

    assert await stock.inventory([tt]) == {}
    assert await stock.reserve(request(tt)) is Admission.UNKNOWN


async def test_inventory_leaves_out_unknown_ticket_types(stock: StockStore) -> None:
    tt = await loaded(stock, 7)
    unknown = uuid4()

    result = await stock.inventory([tt, unknown])

    assert list(result) == [tt]
    assert result[tt].remaining == 7


# --- sweeper and reconcile ----------------------------------------------------------------


async def test_claim_returns_stale_holds_once(stock: StockStore) -> None:
    tt = uuid4()
    old = request(tt, created_at=datetime.now(UTC) - HOUR)
    await stock.load(stock_load(tt, 10, holds=[old]))
    fresh = [request(tt) for _ in range(2)]
    await reserve_all(stock, fresh)
    now = datetime.now(UTC)

    assert await stock.claim_stale_holds(now - MINUTE, now, 100, await stock.ticket_types()) == [
        old
    ]
    assert await stock.claim_stale_holds(now - MINUTE, now, 100, await stock.ticket_types()) == []

    later = now + MINUTE
    first = await stock.claim_stale_holds(later, later, 2, await stock.ticket_types())
    rest = await stock.claim_stale_holds(later, later, 2, await stock.ticket_types())
    assert len(first) == 2
    assert len(rest) == 1
    assert {h.booking_id for h in first + rest} == {h.booking_id for h in [old, *fresh]}


async def test_claim_skips_settled_holds(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    booking = request(tt)
    await stock.reserve(booking)
    await stock.settle([Settlement(booking, confirmed=True)])
    later = datetime.now(UTC) + HOUR

    assert await stock.claim_stale_holds(later, later, 100, await stock.ticket_types()) == []


async def test_compare_and_set_only_when_nothing_moved(stock: StockStore) -> None:
    tt = await loaded(stock, 10)
    await stock.reserve(request(tt, quantity=2))
    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None

    assert await stock.compare_and_set(tt, snapshot.version, 5)
    assert (await inventory(stock, tt)).remaining == 5
    assert not await stock.compare_and_set(tt, snapshot.version, 9)
    assert (await inventory(stock, tt)).remaining == 5

    unchanged = await inventory(stock, tt)
    assert await stock.compare_and_set(tt, unchanged.version, 5)
    assert await inventory(stock, tt) == unchanged

    stale = await stock.hold_snapshot(tt)
    assert stale is not None
    await stock.reserve(request(tt))
    assert not await stock.compare_and_set(tt, stale.version, 8)
    assert (await inventory(stock, tt)).remaining == 4


async def test_compare_and_set_reconcile_racing_reservations(stock: StockStore) -> None:
    capacity = 100
    tt = await loaded(stock, capacity)
    done = asyncio.Event()

    async def reconcile() -> None:
        while not done.is_set():
            snapshot = await stock.hold_snapshot(tt)
            assert snapshot is not None
            await asyncio.sleep(0)  # let reservations in between the snapshot and the write
            # Nothing is settled, so every hold is still owed to its buyer.
            expected = capacity - sum(snapshot.holds.values())
            await stock.compare_and_set(tt, snapshot.version, expected)

    async def reserve() -> Counter[Admission]:
        try:
            return await reserve_all(stock, [request(tt) for _ in range(150)])
        finally:
            done.set()

    outcomes, *_ = await asyncio.gather(reserve(), *(reconcile() for _ in range(3)))

    assert outcomes == {Admission.RESERVED: capacity, Admission.SOLD_OUT: 50}
    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None
    assert len(snapshot.holds) == capacity
    assert (await inventory(stock, tt)).remaining == 0


async def test_a_snapshot_tells_the_remaining_stock_and_the_oldest_send(
    stock: StockStore,
) -> None:
    tt = await loaded(stock, 10)
    empty = await stock.hold_snapshot(tt)
    assert empty is not None and (empty.remaining, empty.oldest_sent_at) == (10, None)
    await reserve_all(stock, [request(tt, quantity=2), request(tt)])

    snapshot = await stock.hold_snapshot(tt)
    assert snapshot is not None and snapshot.remaining == 7
    now = datetime.now(UTC)
    assert snapshot.oldest_sent_at is not None
    assert now - MINUTE < snapshot.oldest_sent_at <= now
    # Sent again (by the sweeper): each hold's age counts from its last send.
    resent_at = now + HOUR
    assert len(await stock.claim_stale_holds(resent_at, resent_at, 100, [tt])) == 2
    resent = await stock.hold_snapshot(tt)
    assert resent is not None and resent.oldest_sent_at == resent_at
