"""The audit log through a real server: what is recorded, how it is read, and that the
application cannot change it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from tests.support import ODD_CURSORS, Api, Server, cursor_of, eventually

SERVER_ENV = {"BOLT_LOG_JSON": "true"}


async def audit(api: Api, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every entry the filters select, following the cursor page by page."""
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await api.http.get("/api/admin/audit", params=query, headers=api.auth(token))
        assert response.status_code == 200, response.text
        page = response.json()
        entries += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return entries


async def my_id(api: Api, token: str) -> str:
    return str((await api.http.get("/api/auth/me", headers=api.auth(token))).json()["id"])


def log_lines(server: Server, event: str) -> list[dict[str, Any]]:
    lines = server.log_path.read_text(errors="replace").splitlines()
    parsed = [orjson.loads(line) for line in lines if line.startswith("{")]
    return [line for line in parsed if line.get("event") == event]


async def test_an_admin_action_appears_once_with_its_actor_and_time(
    server: Server, api: Api
) -> None:
    admin = await api.admin()
    before = datetime.now(UTC)
    event = await api.create_event([3])
    after = datetime.now(UTC)
    [created] = await audit(api, admin, target=f"event:{event['id']}")
    assert created["action"] == "event.created"
    assert created["actor"] == f"user:{await my_id(api, admin)}"
    assert created["actor_ip"] == "127.0.0.1"
    assert before <= datetime.fromisoformat(created["at"]) <= after
    [logged] = [line for line in log_lines(server, "audit") if line["audit_id"] == created["id"]]
    fields = ("action", "actor", "actor_ip", "target", "details")
    assert [logged[f] for f in fields] == [created[f] for f in fields]
    assert datetime.fromisoformat(logged["at"]) == datetime.fromisoformat(created["at"])


async def test_a_cancellation_is_recorded_with_its_buyer(api: Api) -> None:
    event = await api.create_event([3])
    buyer = await api.new_buyer()
    booking = (await api.book(buyer, event["ticket_types"][0]["id"])).json()["booking_id"]
    await api.final_statuses([(buyer, booking)])
    response = await api.http.post(f"/api/bookings/{booking}/cancel", headers=api.auth(buyer))
    assert response.status_code == 200, response.text
    [cancelled] = await audit(api, await api.admin(), target=f"booking:{booking}")
    assert (cancelled["action"], cancelled["actor"]) == (
        "booking.cancelled",
        f"user:{await my_id(api, buyer)}",
    )


async def test_logins_are_recorded_and_a_failure_names_no_email(server: Server, api: Api) -> None:
    buyer = await api.new_buyer()
    buyer_id = await my_id(api, buyer)
    [email] = server.query("SELECT email FROM users WHERE id = ?", buyer_id.replace("-", ""))[0]
    wrong = await api.http.post("/api/auth/login", json={"email": email, "password": "wrong-one"})
    unknown_email = "nobody-here@tests.bolttickets.dev"
    unknown = await api.http.post(
        "/api/auth/login", json={"email": unknown_email, "password": "whatever"}
    )
    assert (wrong.status_code, unknown.status_code) == (401, 401)

    admin = await api.admin()
    about_buyer = await audit(api, admin, target=f"user:{buyer_id}")
    assert [(e["action"], e["actor"], e["details"]) for e in reversed(about_buyer)] == [
        ("auth.login.succeeded", f"user:{buyer_id}", {}),
        ("auth.login.failed", "anonymous", {"reason": "wrong-password"}),
    ]
    failures = await audit(api, admin, action="auth.login.failed", actor="anonymous")
    assert {"reason": "unknown-email"} in [e["details"] for e in failures]
    stored = server.query("SELECT * FROM audit_log")
    assert not [row for row in stored if email in str(row) or unknown_email in str(row)]


async def test_filters_and_the_cursor_select_each_entry_once(api: Api) -> None:
    admin = await api.admin()
    admin_id = await my_id(api, admin)
    since = datetime.now(UTC)
    events = [(await api.create_event([1]))["id"] for _ in range(5)]
    until = datetime.now(UTC)
    await api.create_event([1])  # after the window

    window = {"since": since.isoformat(), "until": until.isoformat()}
    paged = await audit(
        api, admin, action="event.created", actor=f"user:{admin_id}", limit=2, **window
    )
    assert [e["target"] for e in paged] == [f"event:{e}" for e in reversed(events)]
    logins = await audit(api, admin, action="auth.login.succeeded", **window, limit=1)
    assert logins and {e["action"] for e in logins} == {"auth.login.succeeded"}
    assert await audit(api, admin, actor="user:00000000-0000-0000-0000-000000000000") == []


@pytest.mark.parametrize(
    "params",
    [
        {"action": "event.exploded"},
        {"actor": "root"},
        {"target": "event:x;DROP TABLE audit_log"},
        {"target": "a\x00:b"},
        {"since": "yesterday"},
        {"since": "2026-01-01T00:00:00"},  # no offset
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-14:00"},
        {"limit": 0},
        {"limit": 101},
        *[{"cursor": cursor_of(raw)} for raw in ODD_CURSORS],
    ],
)
async def test_bad_filters_are_problems(api: Api, params: dict[str, Any]) -> None:
    response = await api.http.get(
        "/api/admin/audit", params=params, headers=api.auth(await api.admin())
    )
    assert (response.status_code, response.json()["type"]) == (422, "/problems/validation-error")


async def test_only_admins_read_the_log(api: Api) -> None:
    anonymous = await api.http.get("/api/admin/audit")
    customer = await api.http.get("/api/admin/audit", headers=api.auth(await api.new_buyer()))
    assert (anonymous.status_code, customer.status_code) == (401, 403)


async def test_the_application_database_refuses_to_change_the_log(server: Server) -> None:
    before = server.query("SELECT COUNT(*) FROM audit_log")
    conn = sqlite3.connect(server.sqlite_path, timeout=30)
    try:
        for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET actor = 'anonymous'"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
            conn.rollback()
    finally:
        conn.close()
    assert before[0][0] > 0 and server.query("SELECT COUNT(*) FROM audit_log") == before


async def test_api_keys_and_role_changes_are_recorded_and_a_new_role_applies_at_once(
    api: Api,
) -> None:
    admin = await api.admin()
    admin_id = await my_id(api, admin)
    created = await api.http.post(
        "/api/admin/api-keys",
        json={"name": "box office", "scopes": ["events:read"]},
        headers=api.auth(admin),
    )
    assert created.status_code == 201, created.text
    key = created.json()
    revoked = await api.http.delete(f"/api/admin/api-keys/{key['id']}", headers=api.auth(admin))
    assert revoked.status_code == 204, revoked.text
    made, gone = sorted(
        await audit(api, admin, target=f"api-key:{key['id']}"), key=lambda e: e["action"]
    )
    assert (made["action"], made["actor"]) == ("api-key.created", f"user:{admin_id}")
    assert made["details"]["scopes"] == ["events:read"]
    assert key["secret"] not in orjson.dumps(made).decode()
    assert (gone["action"], gone["actor"]) == ("api-key.revoked", f"user:{admin_id}")

    buyer = await api.new_buyer()
    buyer_id = await my_id(api, buyer)
    promoted = await api.http.put(
        f"/api/admin/users/{buyer_id}/role", json={"role": "organizer"}, headers=api.auth(admin)
    )
    assert promoted.status_code == 200, promoted.text
    [changed] = await audit(api, admin, action="user.role-changed", target=f"user:{buyer_id}")
    assert changed["details"] == {"before": "customer", "after": "organizer"}

    # The token carried the old role: its session ends (on every process, announced), and a
    # new login carries the new role.
    async def me() -> int:
        return (await api.http.get("/api/auth/me", headers=api.auth(buyer))).status_code

    await eventually(me, lambda status: status == 401)
