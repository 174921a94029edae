"""``python -m bench refusals``: the command only; the run is imported when it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from bench import options


def refusals_command(
    per_kind: Annotated[int, typer.Option(help="Refusals of each kind.")] = 100_000,
    connections: Annotated[int, typer.Option(help="Concurrent keep-alive connections.")] = 64,
    postgres_admin_url: options.PostgresAdminUrl = options.POSTGRES_ADMIN_URL,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """The API process's RSS before and after refusals of every kind on the full stack;
    fails when it grew by more than 10 MiB, or a refusal was answered otherwise."""
    from bench.refusals_run import main

    raise typer.Exit(main(per_kind, connections, postgres_admin_url, redis_url, kafka_bootstrap))
