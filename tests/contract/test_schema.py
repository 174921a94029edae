"""The migrations are the schema: every table of the metadata, on both databases."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bolttickets.adapters.sqlalchemy import schema
from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.tables import metadata


async def test_the_migrations_build_exactly_the_metadata(database: Database) -> None:
    async with database.reader.connect() as conn:
        names = await conn.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert {"booking_log", "booking_dead_letters"} <= names
    assert diff == []


async def test_an_embedded_database_whose_log_made_its_own_tables_upgrades(
    tmp_path: Path,
) -> None:
    """Before the log tables were migrations, the log created them at start-up."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        async with db.writer.begin() as conn:
            await conn.run_sync(lambda sync: command.upgrade(schema._config(sync), "0001"))
            await conn.execute(
                sa.text(
                    'CREATE TABLE booking_log ("offset" INTEGER NOT NULL PRIMARY KEY '
                    "AUTOINCREMENT, key BLOB, value BLOB NOT NULL, appended_at FLOAT NOT NULL)"
                )
            )
            await conn.execute(sa.text("INSERT INTO booking_log VALUES (1, NULL, x'00', 0)"))
        await schema.upgrade(db)
        await schema.ensure_migrated(db)
        async with db.reader.connect() as conn:
            kept = await conn.scalar(sa.text("SELECT count(*) FROM booking_log"))
            assert kept == 1
            await conn.execute(sa.text("SELECT * FROM booking_dead_letters"))
    finally:
        await db.dispose()
