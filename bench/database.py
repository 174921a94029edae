"""The run's own database, and buyers put straight into it with their tokens.

Buyers skip registration and login (argon2 would be the thing measured): they are written
in bulk with an unusable password hash, and their JWTs are minted with the secret the
bench gave the server.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.engine import make_url
from tests.postgres import pg_connect

from bolttickets.adapters.sqlalchemy.database import Database
from bolttickets.adapters.sqlalchemy.tables import users
from bolttickets.api.security import Tokens
from bolttickets.domain.model import Role

# No argon2 hash looks like this, so nobody can log in as a benchmark buyer.
UNUSABLE_PASSWORD = "!bench-buyer"


async def insert_buyers(database_url: str, count: int) -> list[uuid.UUID]:
    """``count`` customers in one COPY on PostgreSQL (one executemany on SQLite)."""
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [
        (i, f"buyer-{i.hex}@bench.bolttickets.dev", UNUSABLE_PASSWORD, "customer", now) for i in ids
    ]
    columns = ["id", "email", "password_hash", "role", "created_at"]  # the rest keep defaults
    if make_url(database_url).get_backend_name() == "postgresql":
        conn = await pg_connect(database_url)
        try:
            await conn.copy_records_to_table("users", records=rows, columns=columns)
        finally:
            await conn.close()
        return ids
    db = Database(database_url)
    try:
        async with db.writer.begin() as conn:
            await conn.execute(users.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
    finally:
        await db.dispose()
    return ids


def buyer_tokens(secret: str, ids: list[uuid.UUID], ttl_seconds: int = 3600) -> list[str]:
    tokens = Tokens(secret, ttl_seconds, _never_revoked)
    # Issued without logging in, so no session is stored: a session id no store has is
    # never revoked, and each buyer gets one of its own.
    return [tokens.issue(i, Role.CUSTOMER, f"bench-{i}") for i in ids]


async def _never_revoked(_: str) -> bool:
    return False
