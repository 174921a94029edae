"""The capacity model's arithmetic (``python -m bench capacity``): pure functions of the
measured per-process rates and a sale's size, no I/O — ``bench/capacity.py`` reads the
results and prints. docs/capacity.md explains every formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

SECONDS_PER_DAY = 86_400
# The bookings live in one database: a second primary would need them sharded by event.
POSTGRES_PRIMARIES = 1


@dataclass(frozen=True)
class Sourced:
    """A number and where it came from: a result file's figure, an option, or a formula."""

    value: float
    source: str


@dataclass(frozen=True)
class Measured:
    """One unit's rate of each component, as a bench measured it (or an assumption)."""

    bookings_per_s: Sourced
    """Bookings admitted (202) per second by one API process."""
    refusals_per_s: Sourced
    """Sold-out refusals (409) per second by one API process: the cheap request."""
    orders_per_min_per_worker: Sourced
    reservations_per_s_per_redis: Sourced
    """Reservations one slot answers per second (``reservations_per_slot``)."""
    copy_rows_per_s: Sourced
    """Rows per second PostgreSQL takes as the worker writes them (COPY)."""
    subscribers_per_api: Sourced
    """WebSocket subscribers one API process keeps fed."""


@dataclass(frozen=True)
class Sale:
    """The sale to size for; defaults are Ticketmaster's 2022 presale (docs/capacity.md)."""

    visitors: int = 14_000_000
    requests_per_day: float = 3.5e9
    tickets: int = 2_000_000
    tickets_per_booking: int = 4
    retries_per_buyer: float = 3.0
    peak_to_average: float = 10.0
    window_s: float = 600.0
    connected_share: float = 1.0
    ticket_types: int = 1
    substocks: int = 1

    @property
    def bookings(self) -> int:
        return math.ceil(self.tickets / self.tickets_per_booking)


@dataclass(frozen=True)
class Fleet:
    """Where the processes run and what a host costs: assumptions, all of them."""

    cores_per_host: int = 16
    host_price_per_hour: float = 0.714
    """On-demand list price of a 16-vCPU compute host (AWS c7i.4xlarge, us-east-1)."""
    kafka_hosts: int = 3
    hours: float = 24.0


@dataclass(frozen=True)
class Component:
    """One row of the model: how many units, what they can do against what is asked."""

    name: str
    units: int
    unit: str
    demand: float
    capacity: float
    rate_unit: str
    how: str

    @property
    def headroom(self) -> float:
        """Capacity over demand: 1.0 is exactly enough, below it the component is short."""
        return self.capacity / self.demand if self.demand else math.inf


@dataclass(frozen=True)
class Model:
    components: list[Component]
    booking_rate: float
    """Bookings per second the organiser's window asks for."""
    peak_requests: float
    admission_per_s: float
    """Bookings per second the sized stack sells: the waiting room admits at this rate."""
    seconds_to_sell: float
    process_cores: int
    hosts: int
    cost_per_hour: float
    cost_of_sale: float
    ceilings: dict[str, float] = field(default_factory=dict)
    """Bookings/s past which adding processes no longer helps: the parts that do not scale out."""

    @property
    def breaks_first(self) -> Component:
        return min(self.components, key=lambda c: c.headroom)

    @property
    def wall(self) -> tuple[str, float]:
        """The lowest of the ceilings: the fastest this design can ever sell."""
        return min(self.ceilings.items(), key=lambda item: item[1])


def units_for(demand: float, per_unit: float) -> int:
    """Whole units to carry ``demand`` at ``per_unit`` each, at least one."""
    if per_unit <= 0:
        raise ValueError(f"a unit's rate must be positive, not {per_unit}")
    return max(1, math.ceil(demand / per_unit - 1e-9))


def booking_rate(sale: Sale) -> float:
    """Bookings per second to sell out within the window."""
    return sale.bookings / sale.window_s


def day_peak_requests(sale: Sale) -> float:
    """The day's requests at their peak: the average second times the peak-to-average ratio."""
    return sale.requests_per_day / SECONDS_PER_DAY * sale.peak_to_average


def retry_storm_requests(sale: Sale) -> float:
    """Every visitor's refused attempts, all within the sale window."""
    return sale.visitors * sale.retries_per_buyer / sale.window_s


def rows_per_booking(sale: Sale) -> int:
    """A booking row and one row per ticket."""
    return 1 + sale.tickets_per_booking


def reservations_per_slot(redis_cpu_us: float, substocks: int = 1) -> float:
    """One slot's reservations/s from the CPU its Redis spends per reservation: a Redis runs
    scripts on one thread, 10⁶ µs of it a second. With K sub-stocks ``redis_cpu_us`` is the
    busiest primary's per reservation of the whole ticket type, so the ticket type sells
    10⁶ / ``redis_cpu_us`` a second, 1/K of it per slot."""
    if redis_cpu_us <= 0:
        raise ValueError(f"a reservation's CPU must be positive, not {redis_cpu_us} µs")
    return 1e6 / redis_cpu_us / substocks


def redis_slots(sale: Sale) -> int:
    """Independent stocks: a ticket type is one key, so one slot, unless split into K."""
    return sale.ticket_types * sale.substocks


def model(measured: Measured, sale: Sale, fleet: Fleet) -> Model:
    m = measured
    rate = booking_rate(sale)
    peak = max(day_peak_requests(sale), retry_storm_requests(sale))
    subscribers = sale.visitors * sale.connected_share

    api_bookings = units_for(rate, m.bookings_per_s.value)
    api_peak = units_for(peak, m.refusals_per_s.value)
    api_fanout = units_for(subscribers, m.subscribers_per_api.value)
    per_worker_s = m.orders_per_min_per_worker.value / 60
    workers = units_for(rate, per_worker_s)
    per_redis = m.reservations_per_s_per_redis.value
    # More shards than independent stocks idle: one ticket type's reservations all hit its slot.
    shards = min(units_for(rate, per_redis), redis_slots(sale))
    per_postgres = m.copy_rows_per_s.value / rows_per_booking(sale)
    postgres_needed = units_for(rate, per_postgres)
    postgres = min(postgres_needed, POSTGRES_PRIMARIES)

    components = [
        Component(
            "API processes (bookings)", api_bookings, "processes", rate,
            api_bookings * m.bookings_per_s.value, "bookings/s",
            f"⌈{rate:,.0f} / {m.bookings_per_s.value:,.1f}⌉",
        ),
        Component(
            "API processes (peak requests)", api_peak, "processes", peak,
            api_peak * m.refusals_per_s.value, "requests/s",
            f"⌈max(day's peak {day_peak_requests(sale):,.0f}, retries "
            f"{retry_storm_requests(sale):,.0f}) / {m.refusals_per_s.value:,.1f}⌉, "
            "each priced as a sold-out refusal",
        ),
        Component(
            "API processes (WebSocket fan-out)", api_fanout, "processes", subscribers,
            api_fanout * m.subscribers_per_api.value, "subscribers",
            f"⌈{subscribers:,.0f} / {m.subscribers_per_api.value:,.0f}⌉",
        ),
        Component(
            "workers", workers, "processes", rate, workers * per_worker_s, "bookings/s",
            f"⌈{rate:,.0f} / ({m.orders_per_min_per_worker.value:,.0f} / 60)⌉",
        ),
        Component(
            "Kafka partitions", workers, "partitions", rate, workers * per_worker_s, "bookings/s",
            "= workers: a partition feeds one worker of the group",
        ),
        Component(
            "Redis shards", shards, "shards", rate, shards * per_redis, "bookings/s",
            f"min(⌈{rate:,.0f} / {per_redis:,.0f}⌉, {redis_slots(sale)} slot(s): "
            f"{sale.ticket_types} ticket type(s) x {sale.substocks} sub-stock(s))",
        ),
        Component(
            "PostgreSQL primaries", postgres, "primaries", rate, postgres * per_postgres,
            "bookings/s",
            f"min(⌈{rate:,.0f} x {rows_per_booking(sale)} rows"
            f" / {m.copy_rows_per_s.value:,.0f} rows/s⌉, {POSTGRES_PRIMARIES}: not sharded)",
        ),
    ]  # fmt: skip
    selling = [c for c in components if c.rate_unit == "bookings/s"]
    admission = min(c.capacity for c in selling)
    api_processes = api_bookings + api_peak + api_fanout
    process_cores = api_processes + workers + shards
    hosts = math.ceil(process_cores / fleet.cores_per_host) + postgres + fleet.kafka_hosts
    cost_per_hour = hosts * fleet.host_price_per_hour
    return Model(
        components=components,
        booking_rate=rate,
        peak_requests=peak,
        admission_per_s=admission,
        seconds_to_sell=sale.bookings / admission,
        process_cores=process_cores,
        hosts=hosts,
        cost_per_hour=cost_per_hour,
        cost_of_sale=cost_per_hour * fleet.hours,
        ceilings={
            "Redis (one shard per slot)": redis_slots(sale) * per_redis,
            "PostgreSQL (one primary)": POSTGRES_PRIMARIES * per_postgres,
        },
    )
