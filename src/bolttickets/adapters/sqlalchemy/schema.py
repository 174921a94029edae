"""Schema migrations (Alembic) and the check that a database is migrated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bolttickets.adapters.sqlalchemy.database import Database


class DatabaseNotMigrated(RuntimeError):
    pass


class DatabaseUnreachable(RuntimeError):
    """The database refused the connection: down, a wrong address, a certificate its CA
    did not sign, a wrong password."""


def _config(connection: Any = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


async def upgrade(db: Database) -> None:
    async with db.writer.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(sync), "head"))


async def current_revision(db: Database) -> str | None:
    async with db.reader.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def ensure_migrated(db: Database) -> None:
    try:
        current = await current_revision(db)
    except (OSError, asyncpg.PostgresError, sa.exc.DBAPIError) as exc:
        raise DatabaseUnreachable(
            f"The database did not accept a connection: {type(exc).__name__}: {exc}"
        ) from exc
    head = head_revision()
    if current != head:
        raise DatabaseNotMigrated(
            f"The database is at schema revision {current or 'none'}, not {head}: "
            "run `bolttickets migrate` first."
        )
