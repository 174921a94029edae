"""The audit log and an erasure on the full stack: what PostgreSQL holds afterwards, and
that the application's own database login cannot rewrite the log."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.integration.test_audit import audit, my_id
from tests.integration.test_privacy import PASSWORD, confirmed_booking, export, registered
from tests.postgres import pg_connect
from tests.stack.conftest import Stack
from tests.support import Api

APIS = 1
WORKERS = 1


async def test_an_erasure_leaves_the_bookings_and_no_email(stack: Stack, api: Api) -> None:
    event = await api.create_event([5])
    email, token = await registered(api)
    user_id = await my_id(api, token)
    booking = await confirmed_booking(api, token, event["ticket_types"][0]["id"])
    assert [b["id"] for b in (await export(api, token))["bookings"]] == [booking]

    assert (await api.http.delete("/api/me", headers=api.auth(token))).status_code == 204
    login = await api.http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401

    for table in ("users", "bookings", "audit_log"):
        rows = await stack.sql(f"SELECT * FROM {table} t WHERE t::text LIKE $1", f"%{email}%")
        assert rows == [], table
    [owner] = await stack.sql("SELECT user_id FROM bookings WHERE id = $1", uuid.UUID(booking))
    assert owner["user_id"] == uuid.UUID(user_id)
    admin = await api.admin()
    actions = [e["action"] for e in await audit(api, admin, target=f"user:{user_id}")]
    assert actions[:2] == ["account.erased", "account.exported"]
    [created] = await audit(api, admin, target=f"event:{event['id']}")
    assert created["actor"] == f"user:{await my_id(api, admin)}"


async def test_the_applications_login_cannot_rewrite_the_log(stack: Stack, api: Api) -> None:
    await api.admin()  # at least one entry
    conn = await pg_connect(stack.database_url)
    try:
        for statement in (
            "DELETE FROM audit_log",
            "UPDATE audit_log SET actor = 'anonymous'",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") > 0
    finally:
        await conn.close()
