"""``python -m bench room``: one waiting room of 100,000 buyers on the full stack.

Only the command lives here, so that ``python -m bench --help`` stays quick: the
benchmark's machinery (``bench.room_run``) is imported only when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bench import options

if TYPE_CHECKING:
    from rich.console import Console

    from bench.report import Figure
    from bench.room_run import RoomResult


def room_command(
    buyers: Annotated[int, typer.Option(min=2, help="Buyers who join the room.")] = 100_000,
    http_joins: Annotated[
        int, typer.Option(min=0, help="Of the buyers, how many join over HTTP (the last ones).")
    ] = 2_000,
    subscribers: Annotated[int, typer.Option(min=1, help="WebSocket subscribers.")] = 10_000,
    processes: Annotated[int, typer.Option(min=1, help="Subscriber processes.")] = 8,
    ticks: Annotated[int, typer.Option(min=1, help='"Now serving" ticks to time.')] = 10,
    capacity: Annotated[int, typer.Option(min=1, help="Tickets the room's sale has.")] = 100,
    wave: Annotated[
        int, typer.Option(min=1, help="Handshakes in flight per subscriber process.")
    ] = 100,
    out_dir: options.OutDir = options.RESULTS,
    postgres_admin_url: options.PostgresAdminUrl = options.POSTGRES_ADMIN_URL,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """Join rate, Redis memory per waiting buyer, the "now serving" fan-out and the time
    from sell-out to every waiting client knowing. Fails only when an invariant breaks."""
    import asyncio
    import shutil
    import tempfile

    from rich.progress import Progress

    from bench import report
    from bench.room_run import RoomConfig, run_room
    from bench.system import Services

    if not 0 <= http_joins < buyers or capacity > buyers - http_joins:
        raise typer.BadParameter("need http-joins < buyers and capacity <= buyers - http-joins")
    config = RoomConfig(
        buyers=buyers,
        http_joins=http_joins,
        subscribers=subscribers,
        processes=processes,
        wave=wave,
        ticks=ticks,
        capacity=capacity,
    )
    services = Services(postgres_admin_url, redis_url, kafka_bootstrap)
    console = report.console()
    if problems := asyncio.run(services.unreachable()):
        for problem in problems:
            console.print(f"[red]unreachable:[/red] {problem}")
        console.print("Start the services with [bold]scripts/services up[/bold].")
        raise typer.Exit(2)
    workdir = Path(tempfile.mkdtemp(prefix="bolt-room-"))
    try:
        with Progress(console=console) as progress:
            result = asyncio.run(run_room(config, services, progress, workdir))
    except Exception as exc:
        console.print(f"[bold red]The bench failed:[/bold red] [red]{exc}[/red]")
        console.print(f"[red]Logs kept in {workdir}[/red]")
        raise typer.Exit(1) from None
    print_result(result, console, out_dir)
    if result.failures:
        console.print(
            f"[red]Logs of the API, the worker and the subscribers kept in {workdir}[/red]"
        )
        raise typer.Exit(1)
    shutil.rmtree(workdir, ignore_errors=True)


def figures(result: RoomResult) -> list[Figure]:
    """No target: the issue asks for these figures, not for bounds on them."""
    from bench.fanout_run import percentile
    from bench.report import Figure, at_least, with_ratios

    ping = result.calibration["start"]["redis_ping_per_s"]
    config = result.config
    ticks = result.all_tick_latencies()
    sold_out = sorted(result.sold_out_ms)
    from_202 = sorted(result.sold_out_from_accepted_ms)
    http = result.http.get("latency_ms", {})
    return [
        with_ratios(
            Figure(
                "joins/s (service)",
                result.joins_per_s,
                "/s",
                note=f"{config.service_joins:,} joins, {config.in_flight} in flight",
            ),
            {"redis PING/s": ping},
        ),
        Figure(
            "joins/s (HTTP)",
            result.http.get("rate_per_s"),
            "/s",
            note=f"{config.http_joins:,} joins, {config.in_flight} connections",
        ),
        Figure("HTTP join p50", http.get("p50"), "ms"),
        Figure("HTTP join p99", http.get("p99"), "ms"),
        Figure("Redis memory per waiting buyer", result.bytes_per_buyer, "B", note="used_memory"),
        Figure("room's places per buyer", result.places_bytes_per_buyer, "B", note="MEMORY USAGE"),
        Figure("now serving → subscriber p50", percentile(ticks, 50), "ms"),
        Figure("now serving → subscriber p99", percentile(ticks, 99), "ms"),
        Figure("now serving → last subscriber", ticks[-1] if ticks else None, "ms"),
        Figure("sold out: confirmed → subscriber p50", percentile(sold_out, 50), "ms"),
        Figure(
            "sold out: confirmed → last subscriber",
            sold_out[-1] if sold_out else None,
            "ms",
            note="negative: told before the worker confirmed",
        ),
        Figure("sold out: last 202 → last subscriber", from_202[-1] if from_202 else None, "ms"),
        Figure(
            "subscribed",
            result.connected,
            "",
            targets=at_least(config.subscribers, result.connected, "all"),
        ),
        Figure(
            "told sold out",
            len(result.sold_out_ms),
            "",
            targets=at_least(result.connected, len(result.sold_out_ms), "every subscriber"),
        ),
    ]


def print_result(result: RoomResult, console: Console, out_dir: Path) -> None:
    from bench import report

    config = result.config
    console.print(f"Cores: {result.cores}. Compression offered (permessage-deflate).")
    shown = figures(result)
    title = (
        f"Waiting room — {config.buyers:,} buyers, {config.subscribers:,} subscribers, "
        f"{config.capacity} tickets"
    )
    console.print(report.table(title, shown))
    memory = result.redis_used_memory
    console.print(
        f"Redis used_memory {memory['before'] / report.MIB:.1f} MiB before the joins, "
        f"{memory['joined'] / report.MIB:.1f} MiB after; the room's keys: "
        + ", ".join(f"{k.rsplit(':', 1)[-1]} {v:,} B" for k, v in result.room_key_bytes.items())
        + f". Subscribers: {result.failed} failed to subscribe, {result.dropped} dropped."
    )
    for error in result.errors:
        console.print(f"[red]subscribe failed:[/red] {error}")
    report.print_failures(console, result.failures)
    if not result.failures:
        console.print(
            "[green]invariants hold[/green]: one place per buyer (1…N), every booking "
            "confirmed, none lost, none twice, none pending, stock converged, every "
            "subscriber told sold out"
        )
    path = report.write_json(out_dir, report.result_stem("room", "stack"), shown, result.to_json())
    console.print(f"results: {path}")
