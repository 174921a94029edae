"""``python -m bench ratelimit``: the command only; the run is imported when it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from bench import options


def ratelimit_command(
    buyers: Annotated[int, typer.Option(help="Buyers; each books once, then is limited.")] = 20_000,
    connections: Annotated[int, typer.Option(help="Concurrent keep-alive connections.")] = 64,
    postgres_admin_url: options.PostgresAdminUrl = options.POSTGRES_ADMIN_URL,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """Bookings per second against rate-limited bookings per second, in the same run on the
    full stack; fails when any answer is not the expected 202 or 429."""
    from bench.ratelimit_run import main

    raise typer.Exit(main(buyers, connections, postgres_admin_url, redis_url, kafka_bootstrap))
