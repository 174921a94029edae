"""``python -m bench sale``: the command only; the benchmark is imported when it runs, so
``python -m bench --help`` stays quick."""

from __future__ import annotations

from typing import Annotated

import typer

from bench import options
from bench.modes import Mode


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
    api_processes: Annotated[
        int, typer.Option(min=1, help="API processes (stack): `serve --processes`.")
    ] = 1,
    tracing: Annotated[
        bool,
        typer.Option(
            "--tracing",
            help="Export traces to a Jaeger the bench starts, at the default sampling ratio "
            "(scripts/tools install jaeger).",
        ),
    ] = False,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="py-spy on the API during the bookings and the sold-out phases: a flame "
            "graph (SVG), its collapsed stacks and top entries beside the results, for each. "
            "Slows the run.",
        ),
    ] = False,
    out_dir: options.OutDir = options.RESULTS,
    postgres_admin_url: options.PostgresAdminUrl = options.POSTGRES_ADMIN_URL,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """A flash sale against a freshly started system, with its baselines; fails only when an
    invariant breaks."""
    from bench.sale_run import Options, main

    code = main(
        Options(
            mode, smoke, seconds, connections, buyers, capacity, workers, out_dir,
            postgres_admin_url, redis_url, kafka_bootstrap, tracing, api_processes, profile,
        )
    )  # fmt: skip
    raise typer.Exit(code)
