"""The flash sale end to end, with its baselines in the same run (``python -m bench sale``).

Phases, in this order, on one freshly started system:

1. no-op POSTs: the stand-alone ceiling (bare Starlette, no middleware), then the same
   no-op inside the real application (bench.noop): every rate is a ratio of the ceiling,
   the two no-ops' difference is what the application's own layers cost, and the ceiling
   proves that the load generator outruns the booking endpoint;
2. throughput: bookings against a ticket type that cannot sell out in the window, so the
   rate counts only admissions (202), never cheap refusals; then the pipeline drains;
3. refusals: the same load against a sold-out ticket type (409s), its own rate;
4. the realistic sale: each of the buyers asks once for a ticket of a small capacity;
5. baselines (full stack): the reservation script through redis-benchmark, COPY into a
   staging table — then the invariants, with a short calibration at each end.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench import baselines, noop, profile, report, tracing
from bench.database import buyer_tokens, insert_buyers
from bench.loadgen import Spec, percentile
from bench.modes import Mode
from bench.processes import Cores
from bench.report import MIB, Figure, at_least, at_most, with_ratios
from bench.system import (
    Services,
    SoldTimeline,
    System,
    TicketType,
    Watchers,
    drain,
    run_loadgen,
    settled_failures,
    started,
)

# The targets; the bench reports them, it never fails on them.
TARGET_BOOKINGS_PER_S = 10_000
TARGET_SHARE_OF_CEILING = 0.5
TARGET_REFUSALS_SHARE_OF_CEILING = 0.9
TARGET_POST_P99_MS = 25
TARGET_CONFIRMED_P99_MS = 250
TARGET_ORDERS_PER_MIN = 500_000
TARGET_API_RSS_MIB = 250
TARGET_WORKER_RSS_MIB = 200
# Far above what one API process can admit in the throughput window, within the API's cap.
UNSELLABLE_CAPACITY = 10_000_000
WORKER_BATCH = 500
WARM_UP_SECONDS = 0.5
# The phases against the no-op servers (named after them), each after a warm-up of its own.
NOOP_PHASES = frozenset(kind.value for kind in noop.Noop)


@dataclass(frozen=True)
class Plan:
    mode: Mode
    seconds: float
    baseline_seconds: float
    connections: int
    buyers: int
    capacity: int
    workers: int
    watched: int
    evalsha_requests: int
    calibration_seconds: float
    drain_timeout: float
    out_dir: Path
    tracing: bool = False
    """Processes export their traces to a Jaeger of the run's own, sampled at the default."""
    api_processes: int = 1
    """``serve --processes``; more than one float over every core instead of the API's."""
    profile: bool = False
    """py-spy on the API during the bookings and the sold-out phases (``bench/profile.py``)."""

    @property
    def realistic_demand_exceeds(self) -> bool:
        return self.buyers > self.capacity


@dataclass
class Phase:
    name: str
    result: dict[str, Any]

    @property
    def rate(self) -> float:
        return float(self.result["rate_per_s"])

    def count(self, status: int) -> int:
        return int(self.result["statuses"].get(str(status), 0))

    @property
    def others(self) -> dict[str, int]:
        return {s: n for s, n in self.result["statuses"].items() if s not in ("202", "409")}

    def accepted_rate(self) -> float:
        elapsed = float(self.result["elapsed_s"])
        return self.count(202) / elapsed if elapsed else 0.0

    def latency(self, q: str) -> float:
        return float(self.result["latency_ms"][q])

    def server_cpu_us_per_request(self) -> float | None:
        """The serving process's CPU time (every thread) over the phase, per request sent."""
        cpu, requests = self.result.get("server_cpu_s"), sum(self.result["statuses"].values())
        return None if cpu is None or not requests else cpu / requests * 1e6

    def server_waiting_share(self, processes: int) -> float | None:
        """The share of the phase the serving processes' event loops were ready to run but
        waited for their core: on two cores, PostgreSQL, Redis, Kafka and the worker float
        over the API's core too."""
        wait, elapsed = self.result.get("server_run_queue_wait_s"), self.result["elapsed_s"]
        return None if wait is None or not elapsed else wait / (elapsed * processes)

    def series(self, key: str) -> list[tuple[float, float]]:
        return [(row["t"], row[key]) for row in self.result["timeline"]]


@dataclass
class SaleOutcome:
    ticket_types: dict[str, TicketType]
    confirmed_ms: list[float]
    """202 → confirmed of the watched buyers in the throughput phase, sorted."""
    realistic_confirmed_ms: list[float]
    timeline: SoldTimeline


class Run:
    """One sale against one system: the phases, then the checks and the figures."""

    def __init__(self, plan: Plan, system: System, cores: Cores, console: Console) -> None:
        self.plan = plan
        self.system = system
        self.cores = cores
        self.console = console
        self.phases: dict[str, Phase] = {}
        self.failures: list[str] = []
        self.tokens_file = system.workdir / "tokens.txt"
        self.tokens: list[str] = []

    async def prepare(self) -> None:
        ids = await insert_buyers(self.system.database_url, self.plan.buyers)
        self.tokens = buyer_tokens(self.system.secret, ids)
        self.tokens_file.write_text("\n".join(self.tokens))

    async def drive(
        self,
        progress: Progress,
        name: str,
        path: str,
        tt_id: str,
        noop_server: noop.Server | None = None,
        **kw: Any,
    ) -> Phase:
        """One load generator run, pinned to the client core, with a live progress line;
        against ``noop_server`` if given, else against the API."""
        port, server = noop_server or (self.system.port, self.system.api)
        spec = Spec(
            port=port,
            path=path,
            body=orjson.dumps({"ticket_type_id": tt_id, "quantity": 1}).decode(),
            tokens_file=str(self.tokens_file),
            key_prefix=f"{name}-{time.monotonic_ns()}",
            connections=self.plan.connections,
            **kw,
        )
        total = float(spec.requests) if spec.requests is not None else spec.duration
        task = progress.add_task(name, total=total, rate="")
        started_at = time.monotonic()

        def advance(done: int) -> None:
            elapsed = time.monotonic() - started_at
            progress.update(
                task,
                completed=done if spec.requests is not None else min(elapsed, total or 0),
                rate=f"{done / elapsed:,.0f} req/s" if elapsed else "",
            )

        cpu_before, wait_before = server.cpu_seconds(), server.run_queue_wait_seconds()
        result = await run_loadgen(
            spec, self.system.workdir / name, self.cores.client, f"in phase {name}", advance
        )
        cpu_after, wait_after = server.cpu_seconds(), server.run_queue_wait_seconds()
        self.system.check_alive()
        server.check_alive()
        phase = Phase(name, result)
        if cpu_before is not None and cpu_after is not None:
            phase.result["server_cpu_s"] = cpu_after - cpu_before
        if wait_before is not None and wait_after is not None:
            phase.result["server_run_queue_wait_s"] = wait_after - wait_before
        progress.update(task, completed=total, rate=f"{phase.rate:,.0f} req/s")
        if phase.result["connections_lost"]:
            self.failures.append(f"{name}: {phase.result['connections_lost']} connections lost")
        self.phases[name] = phase
        return phase

    async def sale(self) -> SaleOutcome:
        plan, system = self.plan, self.system
        admin = await system.admin_token()
        unsellable = await system.create_ticket_type(admin, "Throughput", UNSELLABLE_CAPACITY)
        sold_out = await system.create_ticket_type(admin, "Sold out", 1)
        realistic = await system.create_ticket_type(admin, "Realistic", plan.capacity)
        await self._sell_the_only_ticket(sold_out)

        watchers = Watchers()
        await watchers.open(system.ws_url, self.tokens[: plan.watched])
        timeline = SoldTimeline(system, [unsellable, realistic])
        with Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TextColumn("{task.fields[rate]:>14}"),
            TimeElapsedColumn(),
            console=self.console,
        ) as progress:
            # The first requests of a fresh process pay for imports and caches: not measured.
            # The API's warm-up asks for the sold-out ticket: it sells nothing.
            await self.drive(
                progress, "warm-up", "/api/bookings", sold_out.id, duration=WARM_UP_SECONDS
            )
            for kind in noop.Noop:
                await self._noop_phase(progress, kind, unsellable.id)
            timeline.start()
            async with self._profiled("bookings"):
                booking = await self.drive(
                    progress, "bookings", "/api/bookings", unsellable.id,
                    duration=plan.seconds, watched=plan.watched,
                )  # fmt: skip
            drain_task = progress.add_task("drain", total=None, rate="")
            await self._settled(unsellable, booking, expect_confirmed=booking.count(202))
            progress.update(drain_task, total=1, completed=1)
            async with self._profiled("sold-out"):
                await self.drive(
                    progress, "sold-out", "/api/bookings", sold_out.id,
                    duration=plan.baseline_seconds,
                )  # fmt: skip
            sale = await self.drive(
                progress, "realistic", "/api/bookings", realistic.id,
                requests=plan.buyers, shuffle_seed=7, watched=plan.watched,
                watch_within=plan.capacity,
            )  # fmt: skip
            expected = plan.capacity if plan.realistic_demand_exceeds else sale.count(202)
            await self._settled(realistic, sale, expect_confirmed=expected)
        await timeline.stop()
        await watchers.wait_for([b for b, _ in booking.result["watched"]], timeout=10)
        await watchers.close()
        for name in NOOP_PHASES:
            self._only(name, "202")
        self._only("sold-out", "409")
        return SaleOutcome(
            {"throughput": unsellable, "sold_out": sold_out, "realistic": realistic},
            watchers.confirmed_after_ms(booking.result["watched"]),
            watchers.confirmed_after_ms(sale.result["watched"]),
            timeline,
        )

    def _profiled(self, phase: str) -> contextlib.AbstractAsyncContextManager[None]:
        if not self.plan.profile:
            return contextlib.nullcontext()
        self.plan.out_dir.mkdir(parents=True, exist_ok=True)
        stem = report.result_stem("sale", f"{self.plan.mode.value}-{phase}-profile")
        self.console.print(f"profiling the API during {phase}: {self.plan.out_dir / stem}.svg")
        return profile.profiled(self.system.api.pid, self.plan.out_dir / stem)

    async def _noop_phase(self, progress: Progress, kind: noop.Noop, tt_id: str) -> None:
        """A no-op server on the API's core, up for its phase only."""
        system, name = self.system, kind.value
        async with noop.served(kind, self.cores.server, system.workdir, system.env) as server:
            await self.drive(
                progress, f"warm-up-{name}", noop.NOOP, tt_id, server, duration=WARM_UP_SECONDS
            )
            await self.drive(
                progress, name, noop.NOOP, tt_id, server, duration=self.plan.baseline_seconds
            )

    async def _sell_the_only_ticket(self, tt: TicketType) -> None:
        """Sold through the whole pipeline, which also proves the workers consume."""
        response = await self.system.http.post(
            "/api/bookings",
            json={"ticket_type_id": tt.id, "quantity": 1},
            headers={"Authorization": f"Bearer {self.tokens[0]}", "Idempotency-Key": "warm-up"},
        )
        if response.status_code != 202:
            raise RuntimeError(f"the warm-up booking was answered {response.status_code}")
        counts = await drain(self.system, tt, 1, timeout=self.plan.drain_timeout)
        if counts.get("reserved") != 1:
            raise RuntimeError(f"the warm-up booking did not confirm: {counts}")

    def _only(self, name: str, allowed: str) -> None:
        statuses = self.phases[name].result["statuses"]
        unexpected = {s: n for s, n in statuses.items() if s != allowed}
        if unexpected:
            self.failures.append(f"{name}: answers other than {allowed}: {unexpected}")

    async def _settled(self, tt: TicketType, phase: Phase, expect_confirmed: int) -> None:
        """The invariants of one sale, once its pipeline has drained."""
        if phase.others:
            self.failures.append(f"{phase.name}: answers other than 202/409: {phase.others}")
        self.failures += await settled_failures(
            self.system, tt, phase.name, phase.count(202), expect_confirmed, self.plan.drain_timeout
        )


async def calibrate(plan: Plan, services: Services | None) -> dict[str, float]:
    return await baselines.calibration(
        None if services is None else services.redis_url,
        plan.calibration_seconds,
        max(5_000, int(50_000 * plan.calibration_seconds)),
    )


def figures(
    plan: Plan,
    run: Run,
    sale: SaleOutcome,
    base: dict[str, float | None],
    rss: dict[str, int | None],
) -> list[Figure]:
    phases = run.phases
    ceiling, in_app = phases[noop.Noop.CEILING], phases[noop.Noop.IN_APP]
    booking, refused, realistic = phases["bookings"], phases["sold-out"], phases["realistic"]
    tts, timeline = sale.ticket_types, sale.timeline
    noops = {"ceiling": ceiling.rate, "in-app no-op": in_app.rate}
    accepted = booking.accepted_rate()
    confirmed_p99 = _p(sale.confirmed_ms, 99)
    copy_rate = base.get("copy_rows_per_s")
    copy_per_min = {"raw COPY": None if copy_rate is None else copy_rate * 60}
    # What the application adds to the bare server, in its process's CPU per request: unlike
    # the rates, it does not move with what else the machine runs.
    ceiling_us, in_app_us = ceiling.server_cpu_us_per_request(), in_app.server_cpu_us_per_request()
    layers_us = None if ceiling_us is None or in_app_us is None else in_app_us - ceiling_us
    booking_us = booking.server_cpu_us_per_request()
    # Per API core, counted from the CPU a booking costs the API, not from the phase's rate:
    # the API's core is not its own here (its event loop waits for it, ``waiting``).
    per_api_core = None if not booking_us else 1e6 / booking_us
    waiting = booking.server_waiting_share(plan.api_processes)

    # End to end on the throughput event: first request → the last accepted ticket sold.
    start = booking.result["first_sent_at"]
    confirmed = booking.count(202)
    all_confirmed = timeline.first_at(tts["throughput"], confirmed)
    first_sold = timeline.first_at(tts["throughput"], 1)
    orders_per_min = _per_minute(confirmed, start, all_confirmed)
    # The worker's rate from its first row to its last: a lower bound of what it can do,
    # since it can insert no faster than the API admits.
    insert_rate = _per_minute(confirmed, first_sold, all_confirmed)

    sale_start = realistic.result["first_sent_at"]
    sold_out_at = realistic.result["last_accepted_at"]
    realistic_done = timeline.first_at(tts["realistic"], plan.capacity)
    api_mib, worker_mib = _mib(rss["api"]), _mib(rss["worker"])

    def latency(q: str) -> Figure:
        return with_ratios(
            Figure(f"POST latency {q}", booking.latency(q), "ms"), {"ceiling": ceiling.latency(q)}
        )

    return [
        Figure(
            "ceiling: stand-alone no-op POST",
            ceiling.rate,
            "req/s",
            note=f"{_p99(ceiling)}; {_cpu(ceiling_us)}; every ratio is to this",
            headline=True,
        ),
        with_ratios(
            Figure(
                "no-op POST in the application",
                in_app.rate,
                "req/s",
                note=f"{_p99(in_app)}; {_cpu(in_app_us)}; its middleware and routing",
                headline=True,
            ),
            {"ceiling": ceiling.rate},
        ),
        Figure(
            "the application's layers, per request",
            layers_us,
            "µs",
            note="server CPU per request, in-app no-op minus ceiling",
            headline=True,
        ),
        with_ratios(
            Figure(
                "bookings accepted (202)",
                accepted,
                "req/s",
                note="the phase's 202s over its wall time",
                targets=at_least(
                    TARGET_SHARE_OF_CEILING,
                    report.ratio(accepted, ceiling.rate),
                    f"≥ {TARGET_SHARE_OF_CEILING:.0%} of the ceiling",
                ),
                headline=True,
            ),
            noops | {"EVALSHA": base.get("evalsha_per_s")},
        ),
        Figure(
            "API CPU per booking request",
            booking_us,
            "µs",
            note="user + system time of the API process over the phase",
        ),
        Figure(
            "bookings per API core",
            per_api_core,
            "/s",
            note="one second of API CPU over the CPU a booking request costs it",
            targets=at_least(
                TARGET_BOOKINGS_PER_S, per_api_core, f"≥ {TARGET_BOOKINGS_PER_S:,}/s per API core"
            ),
            headline=True,
        ),
        Figure(
            "API's event loop waiting for its core, bookings phase",
            None if waiting is None else waiting * 100,
            "%",
            note="ready to run while another process held the core (run-queue wait)",
            headline=True,
        ),
        Figure(
            "API CPU per sold-out refusal",
            refused.server_cpu_us_per_request(),
            "µs",
            note="the same; refusals are quick, so the background work weighs less",
        ),
        latency("p50"),
        latency("p95"),
        with_ratios(
            Figure(
                "POST latency p99",
                booking.latency("p99"),
                "ms",
                note=f"{plan.connections} connections",
                targets=at_most(
                    TARGET_POST_P99_MS, booking.latency("p99"), f"≤ {TARGET_POST_P99_MS} ms"
                ),
                headline=True,
            ),
            {"ceiling": ceiling.latency("p99")},
        ),
        Figure(
            "202 → confirmed p50 (WebSocket)",
            _p(sale.confirmed_ms, 50),
            "ms",
            note=f"{len(sale.confirmed_ms)} watched bookings",
        ),
        Figure(
            "202 → confirmed p99 (WebSocket)",
            confirmed_p99,
            "ms",
            targets=at_most(
                TARGET_CONFIRMED_P99_MS, confirmed_p99, f"≤ {TARGET_CONFIRMED_P99_MS} ms"
            ),
        ),
        with_ratios(
            Figure(
                "sold-out refusals (409)",
                refused.rate,
                "req/s",
                targets=at_least(
                    TARGET_REFUSALS_SHARE_OF_CEILING,
                    report.ratio(refused.rate, ceiling.rate),
                    f"≥ {TARGET_REFUSALS_SHARE_OF_CEILING:.0%} of the ceiling",
                ),
                headline=True,
            ),
            noops,
        ),
        with_ratios(
            Figure(
                "confirmed orders/min, one event",
                orders_per_min,
                "/min",
                note="first request → last confirmed",
                targets=at_least(
                    TARGET_ORDERS_PER_MIN, orders_per_min, f"≥ {TARGET_ORDERS_PER_MIN:,}/min"
                ),
                headline=True,
            ),
            {"ceiling": ceiling.rate * 60} | copy_per_min,
        ),
        with_ratios(
            Figure("worker insert rate", insert_rate, "rows/min", note="first row → last row"),
            copy_per_min,
        ),
        Figure(
            f"realistic sale: sold out ({plan.capacity:,} tickets, {plan.buyers:,} buyers)",
            None if sold_out_at is None else sold_out_at - sale_start,
            "s",
            note="first request → last 202",
        ),
        Figure(
            "realistic sale: all confirmed",
            None if realistic_done is None else realistic_done - sale_start,
            "s",
        ),
        with_ratios(
            Figure(
                "realistic sale: confirmed orders/min",
                _per_minute(plan.capacity, sale_start, realistic_done),
                "/min",
            ),
            copy_per_min,
        ),
        Figure(
            "realistic sale: 202 → confirmed p99",
            _p(sale.realistic_confirmed_ms, 99),
            "ms",
            note=f"{len(sale.realistic_confirmed_ms)} watched bookings",
        ),
        Figure(
            "API peak RSS",
            api_mib,
            "MiB",
            targets=at_most(TARGET_API_RSS_MIB, api_mib, f"≤ {TARGET_API_RSS_MIB} MiB"),
            note="worker inside" if plan.mode is Mode.EMBEDDED else "",
        ),
        Figure(
            "worker peak RSS",
            worker_mib,
            "MiB",
            targets=at_most(TARGET_WORKER_RSS_MIB, worker_mib, f"≤ {TARGET_WORKER_RSS_MIB} MiB"),
        ),
        Figure(
            "baseline: EVALSHA reserve",
            base.get("evalsha_per_s"),
            "/s",
            note="redis-benchmark -c 64",
        ),
        Figure(
            "baseline: COPY into staging", copy_rate, "rows/s", note=f"batches of {WORKER_BATCH}"
        ),
    ]


def _p(values: list[float], q: float) -> float | None:
    return percentile(values, q) if values else None


def _cpu(us_per_request: float | None) -> str:
    return "CPU n/a" if us_per_request is None else f"CPU {us_per_request:.0f} µs/request"


def _p99(phase: Phase) -> str:
    return f"p99 {phase.latency('p99'):.1f} ms"


def _per_minute(count: int, start: float | None, end: float | None) -> float | None:
    if start is None or end is None or end <= start:
        return None
    return count / (end - start) * 60


def _mib(value: int | None) -> float | None:
    return None if value is None else value / MIB


def chart_panels(run: Run, sale: SaleOutcome) -> list[tuple[str, report.Series]]:
    timeline, tts = sale.timeline, sale.ticket_types
    phases = [ph for ph in run.phases.values() if not ph.name.startswith("warm-up")]
    return [
        ("requests/s", {ph.name: ph.series("rate_per_s") for ph in phases}),
        ("POST p99 (ms)", {ph.name: ph.series("p99_ms") for ph in phases}),
        (
            "tickets sold (DB)",
            {
                name: timeline.series(tts[name], run.phases[phase].result["first_sent_at"])
                for name, phase in (("throughput", "bookings"), ("realistic", "realistic"))
            },
        ),
    ]


async def execute(plan: Plan, services: Services | None, console: Console) -> int:
    cores = Cores.split()
    console.print(f"[bold]Flash-sale bench[/bold], {plan.mode.value} mode: {cores.describe()}")
    if plan.api_processes > 1:
        console.print(f"{plan.api_processes} API processes, floating over every core")
    if services is not None and (problems := await services.unreachable()):
        for problem in problems:
            console.print(f"[red]unreachable:[/red] {problem}")
        console.print(
            "Start the services with [bold]scripts/services up[/bold] (make services-up)."
        )
        return 2
    if services is not None and (missing := baselines.redis_benchmark_missing()):
        console.print(f"[red]{missing}[/red]")
        return 2
    calibration = {"start": await calibrate(plan, services)}
    console.print(f"calibration at start: {report.calibration_text(calibration['start'])}")
    workdir = Path(tempfile.mkdtemp(prefix="bolt-bench-"))
    base: dict[str, float | None] = {}
    async with (
        tracing.collected(plan.tracing, workdir) as traces,
        started(
            plan.mode,
            services,
            # One core cannot show what a second process adds: several float over all.
            cores if plan.api_processes == 1 else replace(cores, server=None),
            workdir,
            plan.workers,
            {**traces.env, "BOLT_API_PROCESSES": str(plan.api_processes)},
        ) as system,
    ):
        run = Run(plan, system, cores, console)
        try:
            await run.prepare()
            sale = await run.sale()
            if services is not None:
                console.print("baselines: EVALSHA of the reservation script, COPY of a batch…")
                base["evalsha_per_s"] = await baselines.evalsha_reserve_rate(
                    services.redis_url, plan.evalsha_requests
                )
                base["copy_rows_per_s"] = await baselines.copy_rate(
                    system.database_url, WORKER_BATCH, plan.baseline_seconds
                )
            bookings_traced = await traces.bookings_traced()
            rss = {
                "api": system.api.peak_rss(),
                "worker": max((w.peak_rss() or 0 for w in system.workers), default=None) or None,
            }
        except Exception:
            console.print(f"[red]The run failed; logs kept in {workdir}[/red]")
            for process in [system.api, *system.workers]:
                console.print(f"[dim]{process.name}:[/dim] {process.log_tail(10)}")
            raise
    calibration["end"] = await calibrate(plan, services)
    console.print(f"calibration at end:   {report.calibration_text(calibration['end'])}")
    shown = figures(plan, run, sale, base, rss)
    title = f"Flash sale — {plan.mode.value} mode" + (", traced" if plan.tracing else "")
    console.print(report.table(title, shown))
    _print_load_generator(console, run)
    if bookings_traced is not None:
        console.print(
            f"tracing: Jaeger holds {bookings_traced:,} traces of {tracing.TRACED_ROUTE}, "
            f"of {_booking_requests(run):,} sent"
        )
    stem = report.result_stem("sale", plan.mode.value + ("-traced" if plan.tracing else ""))
    data = {
        "plan": plan.__dict__,
        "cores": cores.describe(),
        "calibration": calibration,
        "invariants": {"passed": not run.failures, "failures": run.failures},
        "phases": {name: phase.result for name, phase in run.phases.items()},
        "baselines": base,
        "confirmed_ms": sale.confirmed_ms,
        "bookings_traced": bookings_traced,
    }
    path = report.write_json(plan.out_dir, stem, shown, data)
    chart = report.write_chart(
        plan.out_dir / f"{stem}.png", f"Flash sale, {plan.mode.value} mode", chart_panels(run, sale)
    )
    console.print(
        f"results: {path}" + (f", {chart}" if chart else " (no chart: pip install '.[bench]')")
    )
    if run.failures:
        report.print_failures(console, run.failures)
        return 1
    console.print(
        "[green]invariants hold[/green]: confirmed as expected, no duplicates, none pending, "
        "sold = confirmed, stock converged"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _booking_requests(run: Run) -> int:
    return sum(
        sum(phase.result["statuses"].values())
        for name, phase in run.phases.items()
        if name not in NOOP_PHASES and name.removeprefix("warm-up-") not in NOOP_PHASES
    )


def _print_load_generator(console: Console, run: Run) -> None:
    ceiling, booking = run.phases[noop.Noop.CEILING], run.phases["bookings"]
    busiest = max(ph.result["client_cpu_busy"] for ph in run.phases.values())
    console.print(
        f"load generator: drove the ceiling at {ceiling.rate:,.0f} req/s = "
        f"{ceiling.rate / booking.rate:.2f}x the booking endpoint "
        f"({run.plan.connections} connections); its core was at most {busiest:.0%} busy"
        + (" [red](it may be the bottleneck)[/red]" if ceiling.rate <= booking.rate else "")
    )


FULL = Plan(
    mode=Mode.STACK,
    seconds=10,
    baseline_seconds=3,
    connections=64,
    buyers=100_000,
    capacity=5_000,
    workers=1,
    watched=100,
    evalsha_requests=100_000,
    calibration_seconds=2,
    drain_timeout=120,
    out_dir=Path("bench/results"),
)
SMOKE = replace(
    FULL,
    seconds=1,
    baseline_seconds=0.5,
    buyers=1_000,
    capacity=200,
    watched=20,
    evalsha_requests=5_000,
    calibration_seconds=0.2,
    drain_timeout=30,
)


@dataclass(frozen=True)
class Options:
    """What ``python -m bench sale`` was given; ``None`` keeps the plan's value."""

    mode: Mode
    smoke: bool
    seconds: float | None
    connections: int
    buyers: int | None
    capacity: int | None
    workers: int
    out_dir: Path
    postgres_admin_url: str
    redis_url: str
    kafka_bootstrap: str
    tracing: bool
    api_processes: int = 1
    profile: bool = False


def main(options: Options) -> int:
    plan = replace(
        SMOKE if options.smoke else FULL,
        mode=options.mode,
        connections=options.connections,
        workers=options.workers,
        out_dir=options.out_dir,
        tracing=options.tracing,
        api_processes=options.api_processes,
        profile=options.profile,
    )
    plan = replace(
        plan,
        seconds=options.seconds or plan.seconds,
        buyers=options.buyers or plan.buyers,
        capacity=options.capacity or plan.capacity,
    )
    services = (
        Services(options.postgres_admin_url, options.redis_url, options.kafka_bootstrap)
        if options.mode is Mode.STACK
        else None
    )
    console = report.console()
    try:
        return asyncio.run(execute(plan, services, console))
    except Exception as exc:
        console.print(f"[bold red]The bench failed:[/bold red] [red]{exc}[/red]")
        return 1
