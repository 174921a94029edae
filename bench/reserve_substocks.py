"""``python -m bench reserve --sub-stocks 1,2,3``: one ticket type's reservations on the
Redis Cluster with its stock in K sub-stocks (``RedisSubStockStore``; K = 1 is
``RedisStockStore``'s cluster path), the K values alternating round by round in one run.

A round loads ``reservations`` tickets and sells them to as many buyers (``in_flight`` at a
time, each with an Idempotency-Key): **reservations/s**. After ``LOAN_SETTLING`` (the first
refusals after a sell-out may still meet tickets on their way between sub-stocks) as many
buyers again are refused: **sold-out refusals/s**, and the script calls the primaries
counted per refusal; and per reservation, this process's CPU, the script calls, the CPU of
all the primaries and the CPU the busiest primary spent, which is what splitting a sale
spreads (one client process on a shared machine may not be able to make use of it; the
capacity model prices a ticket type in K sub-stocks at 10⁶ µs of its busiest primary a
second). Redis CPU is each primary's main thread, as ``bench reserve`` measures it. After
each phase the invariants are checked: every reservation reserved and every refusal sold
out, reserved + remaining == capacity, and the store's holds are the reservations; a broken
one fails the command. The figures, with a calibration at each end, go to
``reserve-substocks-<UTC time>.json`` in ``--out-dir``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from redis.asyncio import RedisCluster

from bench import report
from bench.cleanup import delete_matching
from bench.reserve import (
    BUSIEST_PRIMARY_CPU,
    REDIS_CPU,
    awaited_in_flight,
    calibrate,
    figure_name,
    keyed_request,
    load_stock,
    redis_cpu_seconds,
    sub_stocks_path,
    write_result,
)
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import RedisStockStore, connect_redis
from bolttickets.adapters.redis_substocks import LOAN_SETTLING, RedisSubStockStore
from bolttickets.domain.requests import BookingRequest
from bolttickets.services.ports import Admission, StockStore

_EVENT = uuid.UUID(int=1)


class Phases(NamedTuple):
    reserved_per_s: float
    client_us: float
    """This process's CPU per reservation."""
    calls_per_reservation: float
    redis_us: float
    """CPU all the primaries spent per reservation."""
    busiest_node_us: float
    """CPU the busiest primary spent per reservation: what splitting spreads."""
    refused_per_s: float
    calls_per_refusal: float


async def compare(
    cluster_url: str,
    sub_stocks: Sequence[int],
    reservations: int,
    rounds: int,
    in_flight: int,
    out_dir: Path,
) -> None:
    calibration = {"start": await calibrate(cluster_url)}
    client = await connect_redis(cluster_url, cluster=True)
    measured: dict[int, list[Phases]] = {k: [] for k in sub_stocks}
    try:
        for _ in range(rounds):
            for k in sub_stocks:
                measured[k].append(await _round(client, k, reservations, in_flight))
    finally:
        await client.aclose()
    calibration["end"] = await calibrate(cluster_url)
    base = _median(measured[sub_stocks[0]])
    figures = []
    for k in sub_stocks:
        m = _median(measured[k])
        figures += _figures(sub_stocks_path(k), m)
        print(
            f"K={k}: {m.reserved_per_s:,.0f} reservations/s "
            f"({m.reserved_per_s / base.reserved_per_s:.2f}x K={sub_stocks[0]}), "
            f"busiest primary {m.busiest_node_us:.0f} µs CPU per reservation "
            f"({m.busiest_node_us / base.busiest_node_us:.2f}x), "
            f"{m.refused_per_s:,.0f} sold-out refusals/s "
            f"({m.refused_per_s / base.refused_per_s:.2f}x), "
            f"{m.calls_per_refusal:.2f} script calls per refusal (rounds: "
            + ", ".join(f"{r.reserved_per_s:,.0f}/{r.refused_per_s:,.0f}" for r in measured[k])
            + ")"
        )
    rounds_data = {sub_stocks_path(k): [r._asdict() for r in measured[k]] for k in sub_stocks}
    write_result("substocks", figures, calibration, reservations, in_flight, rounds_data, out_dir)


def _figures(path: str, m: Phases) -> list[report.Figure]:
    return [
        report.Figure(figure_name(path, "reservations/s"), m.reserved_per_s, "/s"),
        report.Figure(figure_name(path, "client CPU per reservation"), m.client_us, "µs"),
        report.Figure(
            figure_name(path, "script calls per reservation"),
            m.calls_per_reservation,
            "",
            note="EVALSHA + EVAL, all primaries",
        ),
        report.Figure(figure_name(path, REDIS_CPU), m.redis_us, "µs", note="all primaries"),
        report.Figure(figure_name(path, BUSIEST_PRIMARY_CPU), m.busiest_node_us, "µs"),
        report.Figure(figure_name(path, "sold-out refusals/s"), m.refused_per_s, "/s"),
        report.Figure(figure_name(path, "script calls per refusal"), m.calls_per_refusal, ""),
    ]


def _median(runs: list[Phases]) -> Phases:
    return Phases(*(statistics.median(column) for column in zip(*runs, strict=True)))


def _store(client: RedisClient, namespace: str, k: int) -> RedisStockStore | RedisSubStockStore:
    if k == 1:
        return RedisStockStore(client, namespace, single_node=False)
    return RedisSubStockStore(client, namespace, sub_stocks=k)


async def _round(client: RedisClient, k: int, reservations: int, in_flight: int) -> Phases:
    namespace = f"bench-substocks-{uuid.uuid4().hex[:12]}"
    store = _store(client, namespace, k)
    try:
        await store.start()
        tt = await load_stock(store, reservations)
        buyers = [keyed_request(tt, n) for n in range(reservations)]
        cpu_before, calls_before = await _node_cpu(client), await _script_calls(client)
        client_before = time.process_time()
        reserved_per_s, _ = await _phase(store, buyers, in_flight, Admission.RESERVED)
        client_cpu = time.process_time() - client_before
        cpu_after, calls = await _node_cpu(client), await _script_calls(client) - calls_before
        spent = [cpu_after[node] - cpu_before[node] for node in cpu_before]
        await _check(store, tt, reservations, reservations)
        await asyncio.sleep(LOAN_SETTLING.total_seconds())
        late = [keyed_request(tt, n) for n in range(reservations, 2 * reservations)]
        before = await _script_calls(client)
        refused_per_s, _ = await _phase(store, late, in_flight, Admission.SOLD_OUT)
        refusals = await _script_calls(client) - before
        await _check(store, tt, reservations, reservations)
        return Phases(
            reserved_per_s,
            client_cpu / reservations * 1e6,
            calls / reservations,
            sum(spent) / reservations * 1e6,
            max(spent) / reservations * 1e6,
            refused_per_s,
            refusals / len(late),
        )
    finally:
        await delete_matching(client, f"{namespace}:*")


async def _phase(
    store: StockStore, requests: list[BookingRequest], in_flight: int, expected: Admission
) -> tuple[float, Counter[Admission]]:
    """Every request through ``store.reserve``, ``in_flight`` at a time: the rate, after
    checking each answered ``expected``."""
    started = time.perf_counter()
    outcomes = Counter(await awaited_in_flight((store.reserve(r) for r in requests), in_flight))
    wall = time.perf_counter() - started
    if outcomes != {expected: len(requests)}:
        raise RuntimeError(f"expected {len(requests)} {expected.value}, got {dict(outcomes)}")
    return len(requests) / wall, outcomes


async def _check(store: StockStore, tt: uuid.UUID, capacity: int, sold: int) -> None:
    """No oversell, nothing lost: reserved + remaining == capacity, and the holds are the
    reservations."""
    remaining = (await store.inventory([tt]))[tt].remaining
    snapshot = await store.hold_snapshot(tt)
    held = sum(snapshot.holds.values()) if snapshot is not None else -1
    if sold + remaining != capacity or held != sold:
        raise RuntimeError(
            f"invariant broken: {sold} reserved + {remaining} remaining != {capacity} "
            f"capacity, or {held} held != {sold} reserved"
        )


async def _script_calls(client: RedisClient) -> int:
    """Script calls the cluster's primaries counted so far."""
    assert isinstance(client, RedisCluster)
    stats = await client.info("commandstats", target_nodes=RedisCluster.PRIMARIES)
    return sum(
        int(node.get(f"cmdstat_{name}", {}).get("calls", 0))
        for node in stats.values()
        for name in ("evalsha", "eval")
    )


async def _node_cpu(client: RedisClient) -> dict[str, float]:
    """CPU seconds each primary has used so far (its main thread, user + system)."""
    assert isinstance(client, RedisCluster)
    stats = await client.info("cpu", target_nodes=RedisCluster.PRIMARIES)
    return {node: redis_cpu_seconds(info) for node, info in stats.items()}
