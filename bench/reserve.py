"""``python -m bench reserve``: the stock store's reservations alone, its two Redis paths.

Reservations with an Idempotency-Key go through ``RedisStockStore.reserve``, ``--in-flight``
at a time, in rounds that alternate the single-node path (one ``reserve_many`` call for a
tick's group, hold index included) and the multi-step path a Redis Cluster needs (GET the
index, ``reserve``, SET the index: the path every booking took before). Alternating rounds
in one run make the ratio of the two meaningful on a loaded machine; the figures are the
median round's reservations/s, this process's CPU per reservation, the ``EVALSHA`` calls
Redis counted per reservation (``INFO commandstats``) and the **Redis CPU per
reservation**: the growth of the server's ``used_cpu_user_main_thread`` +
``used_cpu_sys_main_thread`` (``INFO cpu``) over the round, divided by its reservations.
The main thread runs the scripts, so it is what saturates; the capacity model
(``bench capacity``) prices one Redis slot as 10⁶ µs of it a second. Every round must sell
its stock out exactly, or the command fails. The figures, with a calibration at each end,
go to ``reserve-paths-<UTC time>.json`` in ``--out-dir``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeVar

import typer

from bench import baselines, options, report
from bench.cleanup import delete_matching
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import RedisStockStore, connect_redis
from bolttickets.domain.requests import BookingRequest, booking_id_for, fingerprint
from bolttickets.services.ports import StockLoad, StockStore

_EVENT = uuid.UUID(int=1)
T = TypeVar("T")
CALIBRATION_SECONDS = 0.5
CALIBRATION_PINGS = 20_000

# The figures' names: ``<path>: <measure>``, read back by ``bench capacity``.
SINGLE_NODE = "single node"
MULTI_STEP = "multi-step (cluster)"
PATHS = ((False, MULTI_STEP), (True, SINGLE_NODE))
REDIS_CPU = "Redis CPU per reservation"
BUSIEST_PRIMARY_CPU = "busiest primary CPU per reservation"


def figure_name(path: str, measure: str) -> str:
    return f"{path}: {measure}"


def sub_stocks_path(k: int) -> str:
    """The path of ``bench reserve --sub-stocks``'s figures for K sub-stocks."""
    return f"K={k}"


class Round(NamedTuple):
    per_s: float
    cpu_us: float
    evalsha_each: float
    redis_us: float


def reserve_command(
    reservations: Annotated[int, typer.Option(help="Reservations per round.")] = 20_000,
    rounds: Annotated[int, typer.Option(help="Rounds of each path.")] = 5,
    in_flight: Annotated[int, typer.Option(help="Reservations awaited at once.")] = 64,
    redis_url: options.RedisUrl = options.REDIS_URL,
    sub_stocks: Annotated[
        str | None,
        typer.Option(
            help="Compare these numbers of sub-stocks per ticket type on the Redis Cluster "
            "(e.g. 1,2,3) instead of the two paths."
        ),
    ] = None,
    redis_cluster_url: Annotated[
        str,
        typer.Option(
            envvar=["BOLT_REDIS_CLUSTER_URL", "BOLT_TEST_REDIS_CLUSTER_URL"],
            help="A node of the Redis Cluster, for --sub-stocks.",
        ),
    ] = options.REDIS_CLUSTER_URL,
    out_dir: options.OutDir = options.RESULTS,
) -> None:
    """Reservations/s and CPU per reservation of the single-node path against the
    multi-step one, in the same run; or, with --sub-stocks, reservations/s and sold-out
    refusals/s of one ticket type split into K sub-stocks on the cluster."""
    if missing := baselines.redis_benchmark_missing():  # the calibration's PING
        print(missing)
        raise typer.Exit(2)
    if sub_stocks is None:
        asyncio.run(_main(redis_url, reservations, rounds, in_flight, out_dir))
        return
    # Imported here: that module builds its requests with keyed_request from this one.
    from bench.reserve_substocks import compare

    ks = [int(k) for k in sub_stocks.split(",")]
    asyncio.run(compare(redis_cluster_url, ks, reservations, rounds, in_flight, out_dir))


async def _main(
    redis_url: str, reservations: int, rounds: int, in_flight: int, out_dir: Path
) -> None:
    calibration = {"start": await calibrate(redis_url)}
    client = await connect_redis(redis_url)
    try:
        measured: dict[bool, list[Round]] = {False: [], True: []}
        for _ in range(rounds):
            for single_node in (False, True):
                measured[single_node].append(
                    await _round(client, single_node, reservations, in_flight)
                )
    finally:
        await client.aclose()
    calibration["end"] = await calibrate(redis_url)
    medians = {path: _median(runs) for path, runs in measured.items()}
    figures = []
    for single_node, name in PATHS:
        m = medians[single_node]
        print(
            f"{name:>20}: {m.per_s:,.0f} reservations/s, {m.cpu_us:.0f} µs CPU each, "
            f"{m.evalsha_each:.3f} EVALSHA each, Redis {m.redis_us:.1f} µs CPU each (rounds: "
            + ", ".join(f"{r.per_s:,.0f}/s" for r in measured[single_node])
            + ")"
        )
        figures += [
            report.Figure(figure_name(name, "reservations/s"), m.per_s, "/s", note="median round"),
            report.Figure(figure_name(name, "client CPU per reservation"), m.cpu_us, "µs"),
            report.Figure(figure_name(name, "EVALSHA calls per reservation"), m.evalsha_each, ""),
            report.Figure(
                figure_name(name, REDIS_CPU), m.redis_us, "µs", note="INFO cpu, main thread"
            ),
        ]
    one, multi = medians[True], medians[False]
    print(
        f"single node / multi-step: {one.per_s / multi.per_s:.2f}x reservations/s, "
        f"{one.cpu_us / multi.cpu_us:.2f}x CPU per reservation, "
        f"{one.redis_us / multi.redis_us:.2f}x Redis CPU per reservation"
    )
    rounds_data = {
        name: [r._asdict() for r in measured[single_node]] for single_node, name in PATHS
    }
    write_result("paths", figures, calibration, reservations, in_flight, rounds_data, out_dir)


async def calibrate(redis_url: str) -> dict[str, float]:
    """The other benches' calibration, shortened."""
    return await baselines.calibration(redis_url, CALIBRATION_SECONDS, CALIBRATION_PINGS)


def write_result(
    mode: str,
    figures: list[report.Figure],
    calibration: dict[str, dict[str, float]],
    reservations: int,
    in_flight: int,
    rounds: Mapping[str, list[dict[str, float]]],
    out_dir: Path,
) -> None:
    """``reserve-<mode>-<UTC time>.json``: the figures, the calibration and every round."""
    data = {
        "plan": {"reservations": reservations, "in_flight": in_flight},
        "calibration": calibration,
        "rounds": rounds,
    }
    path = report.write_json(out_dir, report.result_stem("reserve", mode), figures, data)
    print(
        f"calibration: at start {report.calibration_text(calibration['start'])}; "
        f"at end {report.calibration_text(calibration['end'])}\nresults: {path}"
    )


def _median(runs: list[Round]) -> Round:
    return Round(*(statistics.median(column) for column in zip(*runs, strict=True)))


async def _round(
    client: RedisClient, single_node: bool, reservations: int, in_flight: int
) -> Round:
    namespace = f"bench-reserve-{uuid.uuid4().hex[:12]}"
    store = RedisStockStore(client, namespace, single_node=single_node)
    try:
        await store.start()
        tt = await load_stock(store, reservations)
        requests = [keyed_request(tt, i) for i in range(reservations)]
        before = await _evalsha_calls(client)
        redis_before = redis_cpu_seconds(await client.info("cpu"))
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        await awaited_in_flight((store.reserve(r) for r in requests), in_flight)
        wall, cpu = time.perf_counter() - started_wall, time.process_time() - started_cpu
        redis_cpu = redis_cpu_seconds(await client.info("cpu")) - redis_before
        evalsha = await _evalsha_calls(client) - before
        left = (await store.inventory([tt]))[tt].remaining
        if left != 0:
            raise RuntimeError(f"{left} of {reservations} tickets left: not every call reserved")
        return Round(
            reservations / wall,
            cpu / reservations * 1e6,
            evalsha / reservations,
            redis_cpu / reservations * 1e6,
        )
    finally:
        await delete_matching(client, f"{namespace}:*")


async def awaited_in_flight(calls: Iterable[Awaitable[T]], in_flight: int) -> list[T]:
    """Every call awaited, ``in_flight`` at a time, as that many buyers would: their results,
    in the order they came back."""
    pending = iter(calls)
    results: list[T] = []

    async def drive() -> None:
        for call in pending:  # one iterator shared by every driver: each call once
            results.append(await call)

    await asyncio.gather(*(drive() for _ in range(in_flight)))
    return results


async def load_stock(store: StockStore, tickets: int) -> uuid.UUID:
    """A new ticket type of ``tickets`` on sale for a day, loaded into ``store``; its id."""
    tt = uuid.uuid4()
    await store.load(
        StockLoad(
            ticket_type_id=tt,
            event_id=_EVENT,
            remaining=tickets,
            per_user_limit=None,
            sale_opens_at=None,
            sale_closes_at=datetime.now(UTC) + timedelta(days=1),
            per_user={},
            keyed_bookings={},
        )
    )
    return tt


def keyed_request(ticket_type_id: uuid.UUID, n: int) -> BookingRequest:
    """A new buyer's request for one ticket, with the Idempotency-Key ``intent-<n>``."""
    buyer = uuid.uuid4()
    return BookingRequest(
        booking_id=booking_id_for(buyer, f"intent-{n}"),
        user_id=buyer,
        event_id=_EVENT,
        ticket_type_id=ticket_type_id,
        quantity=1,
        unit_price_cents=4200,
        currency="EUR",
        idempotency_key=f"intent-{n}",
        fingerprint=fingerprint(ticket_type_id, 1),
        created_at=datetime.now(UTC),
    )


async def _evalsha_calls(client: RedisClient) -> int:
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))


def redis_cpu_seconds(info: Mapping[str, Any]) -> float:
    """CPU seconds a Redis server's main thread, where the scripts run, has used so far."""
    return float(info["used_cpu_user_main_thread"]) + float(info["used_cpu_sys_main_thread"])
