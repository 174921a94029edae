"""The waiting room's fairness, through the service on each store: several WaitingRooms over
one store stand for several API processes (sharing one Redis on the full stack).

Whoever joins before the sale starts is given a place by a lottery: a uniformly random
permutation of the pre-queue, whatever the order of arrival. Whoever joins after follows in
order of arrival. The lotteries are seeded, so a run is reproducible; the statistics are
checked at a significance of 0.001 against the critical values of their distributions.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from bolttickets.adapters.memory_pubsub import MemoryPubSub
from bolttickets.adapters.memory_waiting_room import MemoryWaitingRoomStore
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.domain.model import Event, Role, TicketType
from bolttickets.domain.waiting_room import RoomSettings
from bolttickets.services.accounts import Actor
from bolttickets.services.admission_passes import AdmissionPasses
from bolttickets.services.clock import SystemClock
from bolttickets.services.ports import WaitingRoomStore
from bolttickets.services.waiting_room import WaitingRooms
from tests.contract.test_waiting_room_store import redis_rooms  # noqa: F401 - a fixture
from tests.unit.fakes import FakeClock

BUYERS = 1000
PROCESSES = 3
SEED = 20261207
START = datetime(2030, 6, 1, 10, tzinfo=UTC)
ADMIN = Actor(uuid4(), Role.ADMIN)

# Critical values at p = 0.001 (upper tail): chi-square with 81 and 9 degrees of freedom,
# and the standard normal two-sided.
CHI2_81 = 124.84
CHI2_9 = 27.88
Z = 3.29


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> WaitingRoomStore:
    if request.param == "memory":
        return MemoryWaitingRoomStore(SystemClock())
    found: WaitingRoomStore = request.getfixturevalue("redis_rooms")
    return found


@dataclass
class Sale:
    event: Event
    processes: list[WaitingRooms]
    clock: FakeClock


@pytest.fixture
async def sale(sqlite_database: Database, store: WaitingRoomStore) -> AsyncIterator[Sale]:
    clock = FakeClock(START - timedelta(minutes=30))
    event_id = uuid4()
    event = Event(
        event_id,
        "Gig",
        "Hall",
        START + timedelta(days=1),
        START,
        clock.now(),
        (TicketType(uuid4(), event_id, "GA", 1000, "EUR", 100, None),),
    )
    async with sqlite_database.unit_of_work(write=True) as uow:
        await uow.events.add(event)
        await uow.commit()
    pubsub = MemoryPubSub()
    processes = [
        WaitingRooms(
            sqlite_database.unit_of_work,
            store,
            pubsub,
            AdmissionPasses(b"fairness-test-secret-0123456789ab"),
            clock,
            random.Random(SEED + i),  # one stream each, like processes of their own
        )
        for i in range(PROCESSES)
    ]
    for process in processes:
        await process.start()
    await processes[0].configure(ADMIN, RoomSettings(event_id, START - timedelta(hours=1), 600))
    for process in processes:
        await process.refresh()
    yield Sale(event, processes, clock)
    for process in processes:
        await process.stop()


async def join_all(sale: Sale, buyers: Sequence[UUID]) -> None:
    """Every buyer at once, spread over the processes."""
    await asyncio.gather(
        *(
            sale.processes[i % PROCESSES].join(Actor(b, Role.CUSTOMER), sale.event.id)
            for i, b in enumerate(buyers)
        )
    )


async def numbers(sale: Sale, store: WaitingRoomStore, buyers: Sequence[UUID]) -> list[int]:
    found = [await store.place(sale.event.id, b) for b in buyers]
    return [p.number if p is not None and p.number is not None else 0 for p in found]


def spearman(ranks: Sequence[int]) -> float:
    """Rank correlation between arrival (0, 1, ...) and ``ranks``, a permutation of 1..n."""
    n = len(ranks)
    d2 = sum((arrival + 1 - rank) ** 2 for arrival, rank in enumerate(ranks))
    return 1 - 6 * d2 / (n * (n * n - 1))


def chi_square(observed: Sequence[int], expected: float) -> float:
    return sum((o - expected) ** 2 / expected for o in observed)


async def test_the_pre_queue_is_admitted_in_a_uniformly_random_order(
    sale: Sale, store: WaitingRoomStore
) -> None:
    await join_all(sale, [uuid4() for _ in range(BUYERS)])
    arrived = await store.pre_queue(sale.event.id)  # the order they were taken in
    assert len(arrived) == BUYERS
    sale.clock.current = START
    racing = [uuid4() for _ in range(20)]

    # Joins right at the start race to run the lottery: it runs once, before any of them.
    await join_all(sale, racing)

    drawn = await numbers(sale, store, arrived)
    assert sorted(drawn) == list(range(1, BUYERS + 1))
    assert sorted(await numbers(sale, store, racing)) == list(range(BUYERS + 1, BUYERS + 21))
    rho = spearman(drawn)
    # Arrival decile against place decile: 100 cells of 10 expected each.
    cells = Counter(
        (arrival * 10 // BUYERS, (number - 1) * 10 // BUYERS)
        for arrival, number in enumerate(drawn)
    )
    statistic = chi_square([cells[(a, p)] for a in range(10) for p in range(10)], BUYERS / 100)
    print(f"lottery of {BUYERS}: Spearman rho {rho:.4f}, chi-square(81) {statistic:.1f}")
    assert abs(rho) * math.sqrt(BUYERS - 1) < Z
    assert statistic < CHI2_81


async def test_repeated_lotteries_give_the_first_to_arrive_every_place_alike(
    sale: Sale, store: WaitingRoomStore
) -> None:
    rounds, size = 300, 10
    first_places: Counter[int] = Counter()
    for round_ in range(rounds):
        event_id = uuid4()
        early = [uuid4() for _ in range(size)]
        for buyer in early:
            await store.join(event_id, buyer, started=False)
        await sale.processes[round_ % PROCESSES].draw(event_id)
        place = await store.place(event_id, early[0])
        assert place is not None and place.number is not None
        first_places[place.number] += 1

    statistic = chi_square([first_places[n] for n in range(1, size + 1)], rounds / size)
    print(f"{rounds} lotteries of {size}: the first arrival's place, chi-square(9) {statistic:.1f}")
    assert statistic < CHI2_9


async def test_after_the_start_buyers_follow_in_order_of_arrival(
    sale: Sale, store: WaitingRoomStore
) -> None:
    early = [uuid4() for _ in range(5)]
    await join_all(sale, early)
    sale.clock.current = START
    late = [uuid4() for _ in range(30)]

    for i, buyer in enumerate(late):
        await sale.processes[i % PROCESSES].join(Actor(buyer, Role.CUSTOMER), sale.event.id)
        await sale.processes[(i + 1) % PROCESSES].join(Actor(buyer, Role.CUSTOMER), sale.event.id)

    assert await numbers(sale, store, late) == list(range(6, 36))
    assert sorted(await numbers(sale, store, early)) == [1, 2, 3, 4, 5]
