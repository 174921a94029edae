"""``python -m bench capacity``: the capacity model of docs/capacity.md for a sale of a given
size, from the newest results the benches wrote. The arithmetic is ``bench.capacity_model``;
this module reads the figures, prints the model and writes it as JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bench import options
from bench.capacity_model import Fleet, Measured, Model, Sale, Sourced, reservations_per_slot
from bench.reserve import (
    BUSIEST_PRIMARY_CPU,
    REDIS_CPU,
    SINGLE_NODE,
    figure_name,
    sub_stocks_path,
)

if TYPE_CHECKING:
    from rich.console import Console

# When no fan-out result is at hand: docs/waiting-room.md's full-size room run kept 10,000
# subscribers fed from one API process (tick → last subscriber within the hub's window).
ASSUMED_SUBSCRIBERS_PER_API = 10_000.0


class MissingFigure(Exception):
    """A result lacks a figure the model needs."""


def capacity_command(
    results: Annotated[Path, typer.Option(help="Where the benches' results are.")] = (
        options.RESULTS
    ),
    since: Annotated[
        str | None,
        typer.Option(help="Only results written at or after this UTC time (20261207T171500Z)."),
    ] = None,
    visitors: Annotated[int, typer.Option(help="Visitors of the sale.")] = 14_000_000,
    requests_per_day: Annotated[float, typer.Option(help="Requests in the sale's day.")] = 3.5e9,
    tickets: Annotated[int, typer.Option(help="Tickets on sale.")] = 2_000_000,
    tickets_per_booking: Annotated[int, typer.Option(help="Assumed tickets per booking.")] = 4,
    retries_per_buyer: Annotated[
        float, typer.Option(help="Assumed refused attempts per visitor within the window.")
    ] = 3.0,
    peak_to_average: Annotated[
        float, typer.Option(help="Assumed ratio of the day's peak second to its average.")
    ] = 10.0,
    window_minutes: Annotated[
        float, typer.Option(help="The organiser's wish: sold out within this many minutes.")
    ] = 10.0,
    connected_share: Annotated[
        float, typer.Option(help="Assumed share of visitors holding a WebSocket at once.")
    ] = 1.0,
    ticket_types: Annotated[int, typer.Option(help="Ticket types selling at once.")] = 1,
    substocks: Annotated[int, typer.Option(help="Sub-stocks each ticket type is split into.")] = 1,
    cores_per_host: Annotated[int, typer.Option(help="Assumed cores per host.")] = 16,
    host_price: Annotated[
        float, typer.Option(help="Assumed $/hour of a host (16-vCPU on-demand).")
    ] = 0.714,
    kafka_hosts: Annotated[int, typer.Option(help="Assumed Kafka brokers, a host each.")] = 3,
    hours: Annotated[float, typer.Option(help="Hours the fleet runs for the sale.")] = 24.0,
    cpu_bound: Annotated[
        bool,
        typer.Option(
            help="An API process's rate from its CPU per request (a core of its own, the "
            "services elsewhere) instead of the rate measured beside the services."
        ),
    ] = False,
    subscribers_per_api: Annotated[
        float | None,
        typer.Option(help="Override the fan-out figure (subscribers per API process)."),
    ] = None,
    out_dir: options.OutDir = options.RESULTS,
) -> None:
    """Size a sale (Ticketmaster 2022's by default) from the benches' newest results."""
    from bench import report, summary
    from bench.capacity_model import model

    console = report.console()
    found = {result.kind: result for result in summary.newest(results, since)}
    sale_kind = next((kind for kind in sorted(found) if kind.startswith("sale-stack")), None)
    if sale_kind is None:
        console.print(f"[red]No full-stack sale result in {results}: run python -m bench sale")
        raise typer.Exit(2)
    sale_result = found[sale_kind]
    fanout = found.get("fanout-stack")
    # One ticket type on one Redis: the stack's grouped path; split: the cluster's.
    reserve_kind = "reserve-paths" if substocks == 1 else "reserve-substocks"
    reserve = found.get(reserve_kind)
    try:
        measured = measured_rates(
            sale_result.file_name,
            sale_result.document,
            None if fanout is None else (fanout.file_name, fanout.document),
            cpu_bound=cpu_bound,
            reserve=None if reserve is None else (reserve.file_name, reserve.document),
            substocks=substocks,
        )
    except MissingFigure as missing:
        console.print(f"[red]{missing}")
        raise typer.Exit(2) from None
    if subscribers_per_api is not None:
        given = Sourced(subscribers_per_api, "option --subscribers-per-api")
        measured = replace(measured, subscribers_per_api=given)
    sale = Sale(
        visitors, requests_per_day, tickets, tickets_per_booking, retries_per_buyer,
        peak_to_average, window_minutes * 60, connected_share, ticket_types, substocks,
    )  # fmt: skip
    fleet = Fleet(cores_per_host, host_price, kafka_hosts, hours)
    built = model(measured, sale, fleet)
    calibration = sale_result.document["calibration"]
    if sale_result.document.get("plan", {}).get("profile"):
        console.print(
            "[yellow]the sale run was profiled (sale --profile): py-spy took CPU of the cores "
            "it shared, so its rates are lower than an unprofiled run's[/yellow]"
        )
    print_model(console, built, measured, sale, fleet, calibration)
    if fanout is None:
        console.print(
            "[yellow]not in the results:[/yellow] fanout-stack (python -m bench fanout): "
            "the subscribers per API process are an assumption"
        )
    if reserve is None:
        console.print(
            f"[yellow]not in the results:[/yellow] {reserve_kind} (python -m bench reserve"
            + ("" if substocks == 1 else f" --sub-stocks {substocks}")
            + "): the Redis rate is the EVALSHA baseline"
        )
    stem = report.result_stem("capacity", "model")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    path.write_text(json.dumps(document(built, measured, sale, fleet, calibration), indent=2))
    console.print(f"model: {path}")


def measured_rates(
    sale_name: str,
    sale: dict[str, Any],
    fanout: tuple[str, dict[str, Any]] | None,
    cpu_bound: bool = False,
    reserve: tuple[str, dict[str, Any]] | None = None,
    substocks: int = 1,
) -> Measured:
    """Each unit's rate from the sale's figures (and the fan-out's and the reserve bench's),
    named by file and figure."""
    plan = sale.get("plan", {})
    api_processes = int(plan.get("api_processes", 1))
    workers = int(plan.get("workers", 1))

    def figure(name: str, per: int = 1, per_what: str = "") -> Sourced:
        value = figure_value(sale, name)
        if value is None:
            raise MissingFigure(f"{sale_name} has no figure {name!r}")
        return Sourced(
            value / per, f"{sale_name}: {name!r}" + (f" / {per} {per_what}" if per > 1 else "")
        )

    def per_cpu(name: str) -> Sourced:
        found = figure(name)
        return Sourced(1e6 / found.value, f"10⁶ / {found.source} ({found.value:,.0f} µs)")

    if cpu_bound:
        bookings, refusals = (
            per_cpu("API CPU per booking request"),
            per_cpu("API CPU per sold-out refusal"),
        )
    else:
        bookings = figure("bookings accepted (202)", api_processes, "API processes")
        refusals = figure("sold-out refusals (409)", api_processes, "API processes")
    return Measured(
        bookings_per_s=bookings,
        refusals_per_s=refusals,
        orders_per_min_per_worker=lower_bound(
            figure("confirmed orders/min, one event", workers, "workers")
        ),
        reservations_per_s_per_redis=redis_rate(
            reserve, substocks, figure("baseline: EVALSHA reserve")
        ),
        copy_rows_per_s=figure("baseline: COPY into staging"),
        subscribers_per_api=subscribers(fanout),
    )


def lower_bound(worker: Sourced) -> Sourced:
    """The worker's rate is what it did: it can go no faster than the API admitted."""
    return Sourced(worker.value, f"{worker.source} (a lower bound: no faster than admitted)")


def redis_rate(
    reserve: tuple[str, dict[str, Any]] | None, substocks: int, baseline: Sourced
) -> Sourced:
    """One slot's reservations/s from the Redis CPU a reservation cost in ``bench reserve``:
    on the single-node path, which groups a tick's reservations into one script call, or
    with K sub-stocks the busiest primary's at that K. Else the EVALSHA baseline, one call
    per reservation."""
    name = (
        figure_name(SINGLE_NODE, REDIS_CPU)
        if substocks == 1
        else figure_name(sub_stocks_path(substocks), BUSIEST_PRIMARY_CPU)
    )
    if reserve is None:
        return baseline
    file, found = reserve
    cpu_us = figure_value(found, name)
    if not cpu_us:
        return Sourced(baseline.value, f"{baseline.source} ({file} has no {name!r})")
    per_slot = f" / {substocks} sub-stocks" if substocks > 1 else ""
    return Sourced(
        reservations_per_slot(cpu_us, substocks),
        f"10⁶ / {file}: {name!r} ({cpu_us:,.1f} µs){per_slot}",
    )


def subscribers(fanout: tuple[str, dict[str, Any]] | None) -> Sourced:
    """The fan-out run's subscribers, when its p99 met the target; else the assumption."""
    if fanout is not None:
        name, found = fanout
        value = figure_value(found, "subscribed")
        p99 = next((f for f in found["figures"] if f["name"] == "fan-out latency p99"), None)
        if value and p99 is not None and p99.get("passed"):
            return Sourced(
                value,
                f"{name}: 'subscribed' (p99 within its target; "
                "a lower bound: what the run asked for)",
            )
    return Sourced(
        ASSUMED_SUBSCRIBERS_PER_API,
        "assumption: docs/waiting-room.md's full-size room run (no fan-out result here)",
    )


def figure_value(found: dict[str, Any], name: str) -> float | None:
    for data in found["figures"]:
        if data["name"] == name:
            return None if data["value"] is None else float(data["value"])
    return None


def print_model(
    console: Console,
    built: Model,
    measured: Measured,
    sale: Sale,
    fleet: Fleet,
    calibration: dict[str, dict[str, float]],
) -> None:
    from rich.table import Table

    from bench import report

    inputs = Table(title="Inputs: one unit of each", title_justify="left")
    for column in ("input", "value", "from"):
        inputs.add_column(column)
    for name, sourced in asdict(measured).items():
        inputs.add_row(name.replace("_", " "), f"{sourced['value']:,.1f}", sourced["source"])
    console.print(inputs)
    console.print(
        f"calibration of the sale run: at start {report.calibration_text(calibration['start'])}; "
        f"at end {report.calibration_text(calibration['end'])}"
    )
    console.print(
        f"sale (options): {sale.visitors:,} visitors, {sale.requests_per_day:,.0f} requests/day, "
        f"{sale.tickets:,} tickets = {sale.bookings:,} bookings of {sale.tickets_per_booking}, "
        f"sold out in {sale.window_s / 60:g} min; peak {sale.peak_to_average:g}x the day's "
        f"average, {sale.retries_per_buyer:g} retries per visitor"
    )
    grid = Table(title="The model", title_justify="left")
    for column in ("component", "units", "demand", "capacity", "headroom", "how"):
        grid.add_column(column, justify="left" if column in ("component", "how") else "right")
    for c in built.components:
        grid.add_row(
            c.name, f"{c.units:,} {c.unit}", f"{c.demand:,.0f} {c.rate_unit}",
            f"{c.capacity:,.0f}", f"{c.headroom:.2f}x", c.how,
        )  # fmt: skip
    console.print(grid)
    first = built.breaks_first
    wall, wall_rate = built.wall
    console.print(
        f"waiting room admits {built.admission_per_s:,.0f} buyers/s "
        f"({built.admission_per_s * 60:,.0f}/min): the rate the stack sells; "
        f"{sale.tickets:,} tickets sold in {built.seconds_to_sell / 60:,.1f} min\n"
        f"breaks first: [bold]{first.name}[/bold] ({first.headroom:.2f}x headroom)\n"
        f"the wall: {wall} at {wall_rate:,.0f} bookings/s, sold out in no less than "
        f"{sale.bookings / wall_rate / 60:,.1f} min however many processes\n"
        f"cost: {built.hosts:,} hosts ({built.process_cores:,} process cores / "
        f"{fleet.cores_per_host} + PostgreSQL + {fleet.kafka_hosts} Kafka) x "
        f"${fleet.host_price_per_hour:.3f}/h (assumption) = ${built.cost_per_hour:,.0f}/h, "
        f"${built.cost_of_sale:,.0f} for {fleet.hours:g} h"
    )


def document(
    built: Model,
    measured: Measured,
    sale: Sale,
    fleet: Fleet,
    calibration: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """The model as JSON; no ``figures`` key, so ``bench table`` never takes it for a bench."""
    first = built.breaks_first
    return {
        "inputs": asdict(measured),
        "calibration": calibration,
        "sale": asdict(sale) | {"bookings": sale.bookings},
        "fleet": asdict(fleet),
        "components": [asdict(c) | {"headroom": c.headroom} for c in built.components],
        "booking_rate_per_s": built.booking_rate,
        "peak_requests_per_s": built.peak_requests,
        "admission_per_s": built.admission_per_s,
        "minutes_to_sell": built.seconds_to_sell / 60,
        "breaks_first": {"component": first.name, "headroom": first.headroom},
        "ceilings_bookings_per_s": built.ceilings,
        "hosts": built.hosts,
        "cost_per_hour": built.cost_per_hour,
        "cost_of_sale": built.cost_of_sale,
    }
