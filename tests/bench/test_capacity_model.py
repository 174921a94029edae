"""The capacity model's arithmetic, on small sales computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.capacity import ASSUMED_SUBSCRIBERS_PER_API, measured_rates
from bench.capacity_model import (
    Fleet,
    Measured,
    Sale,
    Sourced,
    model,
    reservations_per_slot,
    units_for,
)

FIXTURE = Path(__file__).parent / "capacity_results" / "sale-stack-20261207T223651Z.json"


def measured(per_redis: float = 1_000, copy_rows: float = 500) -> Measured:
    return Measured(
        bookings_per_s=Sourced(100, "test"),
        refusals_per_s=Sourced(1_000, "test"),
        orders_per_min_per_worker=Sourced(6_000, "test"),  # 100/s
        reservations_per_s_per_redis=Sourced(per_redis, "test"),
        copy_rows_per_s=Sourced(copy_rows, "test"),  # 500: 100 bookings/s of 1 + 4 rows
        subscribers_per_api=Sourced(1_000, "test"),
    )


# 1,200 tickets of 4 = 300 bookings in 2 s: 150 bookings/s. The day averages 1,000
# requests/s, its peak 2,000/s; 10,000 visitors retrying once in 2 s are 5,000/s.
SMALL = Sale(
    visitors=10_000,
    requests_per_day=86_400_000,
    tickets=1_200,
    tickets_per_booking=4,
    retries_per_buyer=1,
    peak_to_average=2,
    window_s=2,
    connected_share=0.45,
)
FLEET = Fleet(cores_per_host=4, host_price_per_hour=2, kafka_hosts=1, hours=3)


def by_name(sale: Sale, copy_rows: float = 500) -> dict[str, tuple[int, float]]:
    built = model(measured(copy_rows=copy_rows), sale, FLEET)
    return {c.name: (c.units, c.capacity) for c in built.components}


def test_units_are_whole_and_at_least_one() -> None:
    assert units_for(0, 10) == 1
    assert units_for(10, 10) == 1
    assert units_for(10.5, 10) == 2
    with pytest.raises(ValueError):
        units_for(1, 0)


def test_each_component_is_sized_for_its_demand() -> None:
    assert by_name(SMALL) == {
        "API processes (bookings)": (2, 200),  # ⌈150 / 100⌉
        "API processes (peak requests)": (5, 5_000),  # ⌈max(2,000, 5,000) / 1,000⌉
        "API processes (WebSocket fan-out)": (5, 5_000),  # ⌈4,500 / 1,000⌉
        "workers": (2, 200),  # ⌈150 / 100⌉
        "Kafka partitions": (2, 200),
        "Redis shards": (1, 1_000),
        "PostgreSQL primaries": (1, 100),  # ⌈150 x 5 / 500⌉ = 2, but one primary
    }


def test_the_room_admits_what_the_slowest_selling_part_sells() -> None:
    built = model(measured(), SMALL, FLEET)

    assert built.booking_rate == 150
    assert built.peak_requests == 5_000
    assert built.admission_per_s == 100  # one primary's 500 rows/s, 5 rows a booking
    assert built.seconds_to_sell == 3  # 300 bookings at 100/s
    assert built.breaks_first.name == "PostgreSQL primaries"  # 100 for 150
    assert built.wall == ("PostgreSQL (one primary)", 100)


def test_a_sale_within_every_ceiling_breaks_first_where_the_least_was_left() -> None:
    slower = Sale(**{**SMALL.__dict__, "window_s": 4})  # 75 bookings/s
    built = model(measured(), slower, FLEET)

    assert built.admission_per_s == 100  # ⌈75 / 100⌉ = 1 API process, worker, primary
    assert built.seconds_to_sell == 3
    # Peak: max(2,000, 10,000 x 1 / 4 = 2,500) = 2,500 requests/s on 3 processes.
    assert built.breaks_first.name == "API processes (WebSocket fan-out)"  # 5,000 for 4,500


def test_hosts_hold_the_processes_and_each_primary_and_broker_has_its_own() -> None:
    built = model(measured(), SMALL, FLEET)

    assert built.process_cores == 2 + 5 + 5 + 2 + 1
    assert built.hosts == 4 + 1 + 1  # ⌈15 / 4⌉ + PostgreSQL + Kafka
    assert built.cost_per_hour == 12
    assert built.cost_of_sale == 36


def test_one_ticket_type_is_one_slot_however_many_shards() -> None:
    # 3,000 bookings/s against 1,000 reservations/s a Redis; PostgreSQL takes 20,000/s.
    fast = Sale(tickets=12_000, tickets_per_booking=4, window_s=1)
    roomy = measured(copy_rows=100_000)

    alone = model(roomy, fast, FLEET)
    assert by_name(fast, copy_rows=100_000)["Redis shards"] == (1, 1_000)
    assert alone.breaks_first.name == "Redis shards"
    assert alone.admission_per_s == 1_000
    assert alone.seconds_to_sell == 3

    split = Sale(tickets=12_000, tickets_per_booking=4, window_s=1, substocks=4)
    assert by_name(split, copy_rows=100_000)["Redis shards"] == (3, 3_000)
    assert model(roomy, split, FLEET).ceilings["Redis (one shard per slot)"] == 4_000


def test_rates_come_from_the_sale_result_and_say_so() -> None:
    document = json.loads(FIXTURE.read_text())
    document["plan"] |= {"api_processes": 2, "workers": 3}

    rates = measured_rates("sale.json", document, None)

    assert rates.bookings_per_s.value == pytest.approx(224.5558 / 2, rel=1e-4)
    assert rates.bookings_per_s.source == "sale.json: 'bookings accepted (202)' / 2 API processes"
    assert rates.orders_per_min_per_worker.value == pytest.approx(13_140.16 / 3, rel=1e-4)
    assert rates.reservations_per_s_per_redis.value == 6_397.54
    assert rates.subscribers_per_api.value == ASSUMED_SUBSCRIBERS_PER_API
    assert rates.subscribers_per_api.source.startswith("assumption")


def test_a_cpu_bound_process_does_a_second_of_cpu_per_second() -> None:
    document = json.loads(FIXTURE.read_text())

    rates = measured_rates("sale.json", document, None, cpu_bound=True)

    assert rates.bookings_per_s.value == pytest.approx(1e6 / 819.0225, rel=1e-6)
    assert rates.refusals_per_s.value == pytest.approx(1e6 / 366.9725, rel=1e-6)


def test_a_fan_out_result_within_its_target_gives_the_subscribers() -> None:
    fanout = {
        "figures": [
            {"name": "fan-out latency p99", "value": 180.0, "passed": True},
            {"name": "subscribed", "value": 10_000, "passed": True},
        ]
    }
    document = json.loads(FIXTURE.read_text())

    rates = measured_rates("sale.json", document, ("fanout.json", fanout))

    assert rates.subscribers_per_api == Sourced(
        10_000,
        "fanout.json: 'subscribed' (p99 within its target; a lower bound: what the run asked for)",
    )


def test_a_slot_sells_a_second_of_its_redis_cpu() -> None:
    assert reservations_per_slot(50) == 20_000  # 10⁶ µs / 50 µs
    # Two sub-stocks, the busiest primary 40 µs a reservation: the ticket type sells
    # 25,000/s, 12,500 through each of its two slots.
    assert reservations_per_slot(40, substocks=2) == 12_500
    with pytest.raises(ValueError):
        reservations_per_slot(0)


RESERVE = {
    "figures": [
        {"name": "single node: Redis CPU per reservation", "value": 40.0},
        {"name": "multi-step (cluster): Redis CPU per reservation", "value": 80.0},
        {"name": "K=2: busiest primary CPU per reservation", "value": 25.0},
    ]
}


def test_the_redis_rate_comes_from_the_reserve_result_when_at_hand() -> None:
    document = json.loads(FIXTURE.read_text())

    one = measured_rates("sale.json", document, None, reserve=("reserve.json", RESERVE))
    split = measured_rates(
        "sale.json", document, None, reserve=("reserve.json", RESERVE), substocks=2
    )

    assert one.reservations_per_s_per_redis == Sourced(
        25_000, "10⁶ / reserve.json: 'single node: Redis CPU per reservation' (40.0 µs)"
    )
    assert split.reservations_per_s_per_redis == Sourced(
        20_000,
        "10⁶ / reserve.json: 'K=2: busiest primary CPU per reservation' (25.0 µs) / 2 sub-stocks",
    )


def test_without_the_reserve_figure_the_redis_rate_is_the_evalsha_baseline() -> None:
    document = json.loads(FIXTURE.read_text())
    baseline = Sourced(6_397.54, "sale.json: 'baseline: EVALSHA reserve'")

    absent = measured_rates("sale.json", document, None)
    unmeasured_k = measured_rates(
        "sale.json", document, None, reserve=("reserve.json", RESERVE), substocks=3
    )

    assert absent.reservations_per_s_per_redis == baseline
    assert unmeasured_k.reservations_per_s_per_redis == Sourced(
        6_397.54,
        "sale.json: 'baseline: EVALSHA reserve' "
        "(reserve.json has no 'K=3: busiest primary CPU per reservation')",
    )
