"""A client's mistake is a 4xx problem, never a 500, and writes nothing."""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any

import jwt
import pytest

from tests.support import (
    BOLTTICKETS,
    JWT_SECRET,
    ODD_CLAIMS,
    ODD_CURSORS,
    Api,
    Server,
    cursor_of,
)


def counts(server: Server) -> tuple[int, ...]:
    return tuple(
        server.query(f"SELECT COUNT(*) FROM {table}")[0][0]
        for table in ("users", "events", "ticket_types", "bookings", "booking_log")
    )


def token_for(
    user_id: object, *, expires_in: int, secret: str = JWT_SECRET, role: object = "customer"
) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "role": role, "sid": "bad-input", "iat": now, "exp": now + expires_in}
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_bad_requests_are_problems_and_write_nothing(server: Server, api: Api) -> None:
    event = await api.create_event([5])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    me = (await api.http.get("/api/auth/me", headers=api.auth(token))).json()["id"]
    other = await api.new_buyer()
    theirs = (await api.book(other, tt, 1)).json()["booking_id"]
    await api.final_statuses([(other, theirs)])
    expired = token_for(me, expires_in=-10)
    forged = token_for(me, expires_in=600, secret="x" * 40)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    bearer = api.auth(token)

    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("POST", "/api/bookings", {"json": {}, "headers": bearer}, 422, "validation-error"),
        (
            "POST",
            "/api/bookings",
            {"json": {"ticket_type_id": tt}, "headers": bearer},
            422,
            "validation-error",
        ),
        *[
            (
                "POST",
                "/api/bookings",
                {"json": {"ticket_type_id": tt, "quantity": q}, "headers": bearer},
                422,
                "validation-error",
            )
            for q in (0, -1, 10**12, "two", 1.5, None)
        ],
        (
            "POST",
            "/api/bookings",
            {"json": {"ticket_type_id": "abc", "quantity": 1}, "headers": bearer},
            422,
            "validation-error",
        ),
        (
            "POST",
            "/api/bookings",
            {"json": {"ticket_type_id": str(uuid.uuid4()), "quantity": 1}, "headers": bearer},
            404,
            "not-found",
        ),
        (
            "POST",
            "/api/bookings",
            {"json": {"ticket_type_id": tt, "quantity": 1, "x": 1}, "headers": bearer},
            422,
            "validation-error",
        ),
        (
            "POST",
            "/api/bookings",
            {
                "content": b'{"ticket_type_id": ',
                "headers": {**bearer, "content-type": "application/json"},
            },
            400,
            "malformed-request",
        ),
        ("POST", "/api/bookings", {"json": [1, 2], "headers": bearer}, 422, "validation-error"),
        (
            "POST",
            "/api/bookings",
            {
                "json": {"ticket_type_id": tt, "quantity": 1},
                "headers": {**bearer, "Idempotency-Key": "k" * 300},
            },
            422,
            "validation-error",
        ),
        (
            "POST",
            "/api/bookings",
            {"json": {"ticket_type_id": tt, "quantity": 1}},
            401,
            "unauthorized",
        ),
        *[
            (
                "POST",
                "/api/bookings",
                {"json": {"ticket_type_id": tt, "quantity": 1}, "headers": api.auth(bad)},
                401,
                "unauthorized",
            )
            for bad in (
                expired,
                forged,
                tampered,
                "not-a-jwt",
                token_for(str(uuid.uuid4()), expires_in=600),  # signed; no such account
                *(
                    token_for(claims["sub"], role=claims.get("role", "customer"), expires_in=600)
                    for claims in ODD_CLAIMS
                ),
            )
        ],
        *[
            (
                "GET",
                f"/api/{what}?cursor={cursor_of(raw)}",
                {"headers": bearer},
                422,
                "validation-error",
            )
            for raw in ODD_CURSORS
            for what in ("bookings", "events")
        ],
        (
            "POST",
            "/api/auth/login",
            {"json": {"email": "nul\u0000@tests.bolttickets.dev", "password": "whatever1"}},
            422,
            "validation-error",
        ),
        (
            "POST",
            "/api/auth/register",
            {"json": {"email": "nul\u0000@tests.bolttickets.dev", "password": "long-enough"}},
            422,
            "validation-error",
        ),
        ("GET", "/api/bookings/not-a-uuid", {"headers": bearer}, 422, "validation-error"),
        ("GET", f"/api/bookings/{uuid.uuid4()}", {"headers": bearer}, 404, "not-found"),
        ("GET", f"/api/bookings/{theirs}", {"headers": bearer}, 404, "not-found"),
        ("POST", f"/api/bookings/{theirs}/cancel", {"headers": bearer}, 404, "not-found"),
        ("GET", "/api/bookings?cursor=bm9wZQ", {"headers": bearer}, 422, "validation-error"),
        ("GET", "/api/bookings?limit=0", {"headers": bearer}, 422, "validation-error"),
        ("GET", "/api/events?cursor=%%%", {}, 422, "validation-error"),
        ("GET", f"/api/events/{uuid.uuid4()}", {}, 404, "not-found"),
        ("GET", "/api/events/123", {}, 422, "validation-error"),
        ("POST", "/api/events", {"json": {"name": "x"}, "headers": bearer}, 403, "forbidden"),
        (
            "POST",
            "/api/auth/register",
            {"json": {"email": "not-an-email", "password": "long-enough"}},
            422,
            "validation-error",
        ),
        (
            "POST",
            "/api/auth/register",
            {"json": {"email": "a@tests.bolttickets.dev", "password": "short"}},
            422,
            "validation-error",
        ),
        (
            "POST",
            "/api/auth/login",
            {"json": {"email": "nobody@tests.bolttickets.dev", "password": "whatever1"}},
            401,
            "invalid-credentials",
        ),
        ("GET", "/api/auth/me", {"headers": api.auth(expired)}, 401, "unauthorized"),
        ("GET", "/api/bookings", {"headers": {"X-API-Key": "bt_not-a-key"}}, 401, "unauthorized"),
        (
            "POST",
            "/api/bookings",
            {
                "json": {"ticket_type_id": tt, "quantity": 1},
                "headers": api.auth("bt_0123456789ab_" + "A" * 43),  # well shaped, unknown
            },
            401,
            "unauthorized",
        ),
        ("GET", "/api/events", {"headers": {"X-API-Key": "bt_"}}, 401, "unauthorized"),
        ("DELETE", "/api/bookings", {"headers": bearer}, 405, "method-not-allowed"),
        ("GET", "/api/nothing-here", {}, 404, "not-found"),
        ("POST", "/api/bench/noop", {"json": {}}, 404, "not-found"),  # only for benchmarks
    ]
    before = counts(server)
    remaining = await api.remaining(event["id"])
    for method, path, kwargs, status, slug in cases:
        response = await api.http.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, kwargs, response.text)
        if status == 401:
            assert response.headers["www-authenticate"] == "Bearer", (path, kwargs)
        assert response.headers["content-type"] == "application/problem+json", path
        problem = response.json()
        assert problem["type"] == f"/problems/{slug}", (path, problem)
        assert problem["status"] == status and problem["title"] and problem["detail"]
    assert counts(server) == before
    assert await api.remaining(event["id"]) == remaining  # no refusal kept a hold


async def test_admin_event_validation(server: Server, api: Api) -> None:
    admin = api.auth(await api.admin())
    good = {
        "name": "Gig",
        "venue": "Hall",
        "starts_at": "2031-01-01T20:00:00+00:00",
        "ticket_types": [{"name": "GA", "price_cents": 100, "capacity": 10}],
    }
    bad_bodies = [
        {**good, "starts_at": "2031-01-01T20:00:00"},  # no offset
        {**good, "sale_starts_at": "2031-01-02T20:00:00+00:00"},  # after the event
        {**good, "starts_at": "9999-12-31T23:59:59-14:00"},  # past year 9999 once in UTC
        {**good, "sale_starts_at": "0001-01-01T00:00:00+14:00"},  # before year 1 in UTC
        {**good, "ticket_types": []},
        {**good, "ticket_types": [{"name": "GA", "price_cents": -1, "capacity": 10}]},
        {**good, "ticket_types": [{"name": "GA", "price_cents": 1, "capacity": 0}]},
        {
            **good,
            "ticket_types": [{"name": "GA", "price_cents": 1, "capacity": 1, "currency": "EURO"}],
        },
        {**good, "ticket_types": [good["ticket_types"][0], good["ticket_types"][0]]},
        {**good, "name": "Gig\u0000"},
        {**good, "venue": "Hall\nB"},
        {**good, "ticket_types": [{"name": "G\u0000A", "price_cents": 1, "capacity": 1}]},
    ]
    before = counts(server)
    for body in bad_bodies:
        response = await api.http.post("/api/events", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["type"] == "/problems/validation-error"
    assert counts(server) == before
    duplicate = await api.http.post(
        "/api/auth/register",
        json={"email": "dup@tests.bolttickets.dev", "password": "dup-password-1"},
    )
    assert duplicate.status_code == 201
    again = await api.http.post(
        "/api/auth/register",
        json={"email": "DUP@tests.bolttickets.dev", "password": "dup-password-2"},
    )
    assert (again.status_code, again.json()["type"]) == (409, "/problems/email-taken")


async def test_admin_api_key_and_role_validation(server: Server, api: Api) -> None:
    admin = api.auth(await api.admin())
    good = {"name": "box office", "scopes": ["bookings:read"]}
    bad = [
        ("POST", "/api/admin/api-keys", {**good, "scopes": []}),
        ("POST", "/api/admin/api-keys", {**good, "scopes": ["admin"]}),
        ("POST", "/api/admin/api-keys", {**good, "owner_id": str(uuid.uuid4())}),
        ("POST", "/api/admin/api-keys", {**good, "expires_at": "2001-01-01T00:00:00+00:00"}),
        ("POST", "/api/admin/api-keys", {**good, "expires_at": "9999-12-31T23:59:59-14:00"}),
        ("POST", "/api/admin/api-keys", {**good, "expires_at": "2031-01-01T00:00:00"}),
        ("POST", "/api/admin/api-keys", {**good, "name": "box\u0000office"}),
        ("PUT", f"/api/admin/users/{uuid.uuid4()}/role", {"role": "emperor"}),
        ("DELETE", "/api/admin/api-keys/not-a-uuid", None),
    ]
    for method, path, body in bad:
        response = await api.http.request(method, path, json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["type"] == "/problems/validation-error"
    for method, path, body in [
        ("PUT", f"/api/admin/users/{uuid.uuid4()}/role", {"role": "organizer"}),
        ("DELETE", f"/api/admin/api-keys/{uuid.uuid4()}", None),
    ]:
        response = await api.http.request(method, path, json=body, headers=admin)
        assert (response.status_code, response.json()["type"]) == (404, "/problems/not-found")
    listed = await api.http.get("/api/admin/api-keys", headers=admin)
    assert listed.status_code == 200 and listed.json()["items"] == []  # none was made


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOLT_ENV": "production"}, "BOLT_JWT_SECRET is the built-in default"),
        ({"BOLT_ENV": "production", "BOLT_JWT_SECRET": "short"}, "at least 32 characters"),
        (
            {
                "BOLT_ENV": "production",
                "BOLT_JWT_SECRET": "p" * 40,
                "BOLT_PASSWORD_HASHING": "argon2id-cheapest",
            },
            "argon2id-cheapest is refused",
        ),
        (
            {"BOLT_ENV": "production", "BOLT_JWT_SECRET": "p" * 40, "BOLT_DEMO": "1"},
            "BOLT_DEMO is refused in production",
        ),
    ],
)
def test_the_server_refuses_to_start_with_unsafe_settings(
    env: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [BOLTTICKETS, "serve", "--port", "1"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
