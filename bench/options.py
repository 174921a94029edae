"""Command-line options every benchmark takes, declared once (light: no benchmark import).

The service addresses default to those of ``scripts/services``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

RESULTS = Path("bench/results")
POSTGRES_ADMIN_URL = "postgresql+asyncpg://bolt:bolt@127.0.0.1:55432/bolttickets"
REDIS_URL = "redis://127.0.0.1:56379/0"
KAFKA_BOOTSTRAP = "127.0.0.1:59092"

OutDir = Annotated[Path, typer.Option(help="Where the JSON and PNG go.")]
PostgresAdminUrl = Annotated[str, typer.Option(help="PostgreSQL to create the run's database on.")]
RedisUrl = Annotated[str, typer.Option(help="Redis of the stack.")]
KafkaBootstrap = Annotated[str, typer.Option(help="Kafka of the stack.")]
