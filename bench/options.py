"""Command-line options every benchmark takes, declared once (light: no benchmark import).

The service addresses come from the environment ``scripts/services env`` prints (so a
checkout whose services moved by ``BOLT_SERVICES_PORT_OFFSET`` is found), else default to
the ports ``scripts/services`` uses when nothing moved them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

RESULTS = Path("bench/results")
POSTGRES_ADMIN_URL = "postgresql+asyncpg://bolt:bolt@127.0.0.1:55432/bolttickets"
REDIS_URL = "redis://127.0.0.1:56379/0"
REDIS_CLUSTER_URL = "redis://127.0.0.1:57379/0"
KAFKA_BOOTSTRAP = "127.0.0.1:59092"

OutDir = Annotated[Path, typer.Option(help="Where the JSON and PNG go.")]
PostgresAdminUrl = Annotated[
    str,
    typer.Option(envvar="BOLT_DATABASE_URL", help="PostgreSQL to create the run's database on."),
]
RedisUrl = Annotated[str, typer.Option(envvar="BOLT_REDIS_URL", help="Redis of the stack.")]
KafkaBootstrap = Annotated[
    str, typer.Option(envvar="BOLT_KAFKA_BOOTSTRAP", help="Kafka of the stack.")
]
