"""``bolttickets bench sale``: the command only.

Every ``bolttickets`` command (``serve`` too) imports this module, so the bench itself is
imported when the command runs, never before: the API's start-up and memory stay its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bolttickets.bench.modes import Mode

RESULTS = Path("bench/results")


def sale_command(
    mode: Annotated[
        Mode, typer.Option(help="stack: PostgreSQL, Redis, Kafka; embedded: one process.")
    ] = Mode.STACK,
    smoke: Annotated[
        bool, typer.Option("--smoke", help="A few seconds, small sale: invariants only.")
    ] = False,
    seconds: Annotated[float | None, typer.Option(help="Length of the throughput phase.")] = None,
    connections: Annotated[int, typer.Option(help="Concurrent keep-alive connections.")] = 64,
    buyers: Annotated[
        int | None, typer.Option(help="Buyers (each asks once in the realistic sale).")
    ] = None,
    capacity: Annotated[int | None, typer.Option(help="Tickets in the realistic sale.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (stack).")] = 1,
    out_dir: Annotated[Path, typer.Option(help="Where the JSON and PNG go.")] = Path(
        "bench/results"
    ),
    postgres_admin_url: Annotated[
        str, typer.Option(help="PostgreSQL to create the run's database on.")
    ] = "postgresql+asyncpg://bolt:bolt@127.0.0.1:55432/bolttickets",
    redis_url: Annotated[
        str, typer.Option(help="Redis of the stack.")
    ] = "redis://127.0.0.1:56379/0",
    kafka_bootstrap: Annotated[str, typer.Option(help="Kafka of the stack.")] = "127.0.0.1:59092",
) -> None:
    """A flash sale against a freshly started system, with its baselines; fails only when an
    invariant breaks."""
    from bolttickets.bench.sale_run import Options, main

    code = main(
        Options(
            mode, smoke, seconds, connections, buyers, capacity, workers, out_dir,
            postgres_admin_url, redis_url, kafka_bootstrap,
        )
    )  # fmt: skip
    raise typer.Exit(code)
