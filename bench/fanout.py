"""``python -m bench fanout``: how fast one API process tells 10,000 subscribers a change.

Only the command lives here, so that ``python -m bench --help`` stays quick:
the benchmark's machinery is imported only when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bench import options

if TYPE_CHECKING:
    from rich.console import Console

    from bench.fanout_run import FanoutResult
    from bench.report import Figure

P99_TARGET_MS = 500.0
KIB_PER_CONNECTION_TARGET = 50.0


def fanout_command(
    subscribers: Annotated[int, typer.Option(min=1, help="WebSocket subscribers.")] = 10_000,
    processes: Annotated[
        int, typer.Option(min=1, help="Subscriber processes (about 1,250 sockets each).")
    ] = 8,
    changes: Annotated[int, typer.Option(min=1, help="Inventory changes to time.")] = 10,
    interval: Annotated[
        float,
        typer.Option(min=0.3, help="Least seconds between changes (the hub coalesces 100 ms)."),
    ] = 0.3,
    wave: Annotated[
        int, typer.Option(min=1, help="Handshakes in flight per subscriber process.")
    ] = 100,
    compression: Annotated[
        bool, typer.Option(help="Offer permessage-deflate, as browsers do.")
    ] = True,
    out_dir: options.OutDir = options.RESULTS,
    postgres_admin_url: options.PostgresAdminUrl = options.POSTGRES_ADMIN_URL,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """Time an inventory change from the Redis backplane to every subscriber of one API
    process, and the API's memory per connection. Fails only when a subscriber misses a
    change or cannot subscribe."""
    import asyncio
    import shutil
    import tempfile

    from rich.progress import Progress

    from bench import report
    from bench.fanout_run import FanoutConfig, run_fanout
    from bench.system import Services

    config = FanoutConfig(subscribers, processes, changes, interval, wave, compression)
    services = Services(postgres_admin_url, redis_url, kafka_bootstrap)
    console = report.console()
    if problems := asyncio.run(services.unreachable()):
        for problem in problems:
            console.print(f"[red]unreachable:[/red] {problem}")
        console.print("Start the services with [bold]scripts/services up[/bold].")
        raise typer.Exit(2)
    workdir = Path(tempfile.mkdtemp(prefix="bolt-fanout-"))
    try:
        with Progress(console=console) as progress:
            result = asyncio.run(run_fanout(config, services, progress, workdir))
    except Exception as exc:
        console.print(f"[bold red]The bench failed:[/bold red] [red]{exc}[/red]")
        console.print(f"[red]Logs kept in {workdir}[/red]")
        raise typer.Exit(1) from None
    print_result(result, console, out_dir)
    if result.failed or result.delivered < result.expected:
        console.print(f"[red]Logs of the API and the subscribers kept in {workdir}[/red]")
        raise typer.Exit(1)
    shutil.rmtree(workdir, ignore_errors=True)


def figures(result: FanoutResult) -> list[Figure]:
    from bench.fanout_run import percentile
    from bench.report import Figure, at_least, at_most

    overall = result.all_latencies()
    p50, p99 = (percentile(overall, q) if overall else None for q in (50, 99))
    shown = [
        Figure("latency p50", p50, "ms"),
        Figure(
            "fan-out latency p99",
            p99,
            "ms",
            note=f"{result.config.subscribers:,} subscribers, coalescing window included",
            targets=at_most(P99_TARGET_MS, p99, "≤ 500 ms"),
            headline=True,
        ),
        Figure("latency max", overall[-1] if overall else None, "ms"),
    ]
    for after, note in (("connected", "all connected"), ("after", "after the changes")):
        kib = result.kib_per_connection(after)
        target = at_most(KIB_PER_CONNECTION_TARGET, kib, "≤ 50 KiB")
        shown.append(Figure("API memory per connection", kib, "KiB", targets=target, note=note))
    wanted = result.config.subscribers
    return [
        *shown,
        Figure(
            "subscribed", result.connected, "", targets=at_least(wanted, result.connected, "all")
        ),
        Figure(
            "frames delivered",
            result.delivered,
            "",
            targets=at_least(result.expected, result.delivered, "every change to everyone"),
        ),
    ]


def print_result(result: FanoutResult, console: Console, out_dir: Path) -> None:
    from rich.table import Table

    from bench import report
    from bench.fanout_run import summarise

    config = result.config
    console.print(
        f"Cores: {result.cores}. Compression "
        + ("offered (permessage-deflate, as browsers do)." if config.compression else "off.")
    )
    shown = figures(result)
    console.print(
        report.table(f"Realtime fan-out — {config.subscribers:,} subscribers, one API", shown)
    )
    changes = Table(title="Per change", title_justify="left")
    for column in ("change", "delivered", "p50 ms", "p99 ms", "max ms"):
        changes.add_column(column, justify="right")
    for index, latencies in enumerate(result.latencies_ms, start=1):
        found = summarise(sorted(latencies))
        changes.add_row(
            str(index), f"{len(latencies):,}", *(f"{found[k]:.1f}" for k in ("p50", "p99", "max"))
        )
    console.print(changes)
    rss, cpu = result.rss_kib, result.cpu_per_change
    console.print(
        f"API RSS {rss['before'] / 1024:.0f} MiB before, {rss['connected'] / 1024:.0f} MiB "
        f"connected, {rss['after'] / 1024:.0f} MiB after; subscribing took "
        f"{result.connect_seconds:.1f} s, {result.failed} failed, {result.dropped} dropped.\n"
        f"CPU per change: API {cpu['api'] * 1000:.0f} ms, subscribers "
        f"{cpu['subscribers'] * 1000:.0f} ms; the side whose CPU nears the latency limits it. "
        "Latency includes the hub's coalescing window by design (up to 100 ms)."
    )
    for error in result.errors:
        console.print(f"[red]subscribe failed:[/red] {error}")
    stem = report.result_stem("fanout", "stack")
    path = report.write_json(out_dir, stem, shown, result.to_json())
    chart = write_histogram(out_dir / f"{stem}.png", result)
    console.print(
        f"results: {path}" + (f", {chart}" if chart else " (no chart: pip install '.[bench]')")
    )


def write_histogram(path: Path, result: FanoutResult) -> Path | None:
    """Latencies of every (change, subscriber), with the target; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.hist(result.all_latencies(), bins=100, color="tab:blue")
    ax.axvline(P99_TARGET_MS, color="tab:red", linestyle="--", label="p99 target")
    ax.set_xlabel("publish → subscriber receives (ms)")
    ax.set_ylabel("frames")
    ax.set_title(
        f"Fan-out: {result.config.subscribers:,} subscribers, {result.config.changes} changes each"
    )
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
