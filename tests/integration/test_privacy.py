"""A user's data (GDPR) through a real server: the export, and the erasure."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.test_audit import audit, my_id
from tests.support import Api, Server

PASSWORD = "buyer-password"


async def registered(api: Api) -> tuple[str, str]:
    email = f"gdpr-{uuid.uuid4().hex[:12]}@tests.bolttickets.dev"
    response = await api.http.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return email, await api.token(email, PASSWORD)


async def confirmed_booking(api: Api, token: str, ticket_type_id: str) -> str:
    booking_id = str((await api.book(token, ticket_type_id, 1)).json()["booking_id"])
    assert (await api.final_statuses([(token, booking_id)]))[booking_id] == "reserved"
    return booking_id


async def export(api: Api, token: str) -> dict[str, Any]:
    response = await api.http.get("/api/me/export", headers=api.auth(token))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_the_export_holds_the_account_its_bookings_and_what_was_recorded(
    api: Api,
) -> None:
    event = await api.create_event([10, 10])
    first, second = (t["id"] for t in event["ticket_types"])
    email, token = await registered(api)
    user_id = await my_id(api, token)
    booked = {
        await confirmed_booking(api, token, first),
        await confirmed_booking(api, token, second),
    }
    await confirmed_booking(api, await api.new_buyer(), first)  # someone else's

    data = await export(api, token)
    assert (data["account"]["id"], data["account"]["email"]) == (user_id, email)
    assert {b["id"] for b in data["bookings"]} == booked
    actions = [(e["action"], e["actor"], e["target"]) for e in data["audit"]]
    assert actions == [
        ("auth.login.succeeded", f"user:{user_id}", f"user:{user_id}"),
        ("account.exported", f"user:{user_id}", f"user:{user_id}"),
    ]


async def test_an_erased_account_is_gone_but_its_bookings_stay(server: Server, api: Api) -> None:
    event = await api.create_event([10])
    tt = event["ticket_types"][0]["id"]
    email, token = await registered(api)
    user_id = await my_id(api, token)
    booking = await confirmed_booking(api, token, tt)
    await export(api, token)

    erased = await api.http.delete("/api/me", headers=api.auth(token))
    assert erased.status_code == 204, erased.text

    login = await api.http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert (login.status_code, login.json()["type"]) == (401, "/problems/invalid-credentials")
    for method, path in [("GET", "/api/auth/me"), ("GET", "/api/me/export"), ("DELETE", "/api/me")]:
        refused = await api.http.request(method, path, headers=api.auth(token))
        assert refused.status_code == 401, (path, refused.text)
    assert (await api.book(token, tt, 1)).status_code == 401

    # The email is nowhere in the database, the audit log included.
    for table in ("users", "bookings", "audit_log"):
        assert not [row for row in server.query(f"SELECT * FROM {table}") if email in str(row)]
    [(pseudonym, password_hash)] = server.query(
        "SELECT email, password_hash FROM users WHERE id = ?", user_id.replace("-", "")
    )
    assert (pseudonym.endswith("@erased.invalid"), password_hash) == (True, "")
    [(owner, status)] = server.query(
        "SELECT user_id, status FROM bookings WHERE id = ?", booking.replace("-", "")
    )
    assert (uuid.UUID(owner), status) == (uuid.UUID(user_id), "reserved")

    entries = await audit(api, await api.admin(), target=f"user:{user_id}")
    assert [e["action"] for e in entries][:2] == ["account.erased", "account.exported"]
    assert {e["actor"] for e in entries[:2]} == {f"user:{user_id}"}

    # The address is free again: a new account, with nothing of the old one.
    again = await api.http.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert again.status_code == 201, again.text
    assert (await export(api, await api.token(email, PASSWORD)))["bookings"] == []
