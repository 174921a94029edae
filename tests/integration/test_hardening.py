"""The hardening rules of docs/security.md, each checked against a real server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.support import Api, Server

LIMIT = 64 * 1024  # the default of BOLT_MAX_BODY_BYTES
ANSWER_TIMEOUT = 60


async def raw_exchange(server: Server, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send a request's head and the given parts of its body (never its end), then read the
    answer: a server that waited for the whole body would never give one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(head)
        for part in body_parts:
            writer.write(part)
            await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), ANSWER_TIMEOUT)
    finally:
        writer.close()


def head(server: Server, path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", *headers, "", ""]
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize("path", ["/api/bookings", "/api/auth/register", "/api/events"])
async def test_a_declared_body_past_the_limit_is_refused_before_it_arrives(
    server: Server, path: str
) -> None:
    answer = await raw_exchange(
        server,
        head(server, path, "Content-Type: application/json", f"Content-Length: {LIMIT * 16}"),
        [b"{" + b" " * 1000],
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert b"content-type: application/problem+json" in answer.lower()


@pytest.mark.parametrize("path", ["/api/bookings", "/api/auth/register"])
async def test_a_chunked_body_is_refused_once_it_grows_past_the_limit(
    server: Server, api: Api, path: str
) -> None:
    token = await api.new_buyer()
    chunk = b"400\r\n" + b" " * 1024 + b"\r\n"  # 1 KiB
    answer = await raw_exchange(
        server,
        head(
            server,
            path,
            "Content-Type: application/json",
            "Transfer-Encoding: chunked",
            f"Authorization: Bearer {token}",
        ),
        [chunk] * (LIMIT // 1024 + 2),
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer


async def test_a_body_within_the_limit_is_served_chunked_or_not(server: Server, api: Api) -> None:
    event = await api.create_event([5])
    token = await api.new_buyer()
    body = b'{"ticket_type_id": "%s", "quantity": 1}' % event["ticket_types"][0]["id"].encode()
    padded = body + b" " * (LIMIT - len(body))

    async def parts() -> Any:
        yield padded[: LIMIT // 2]
        yield padded[LIMIT // 2 :]

    for content in (padded, parts()):
        response = await api.http.post("/api/bookings", content=content, headers=api.auth(token))
        assert response.status_code == 202, response.text


async def test_every_answer_carries_the_security_headers(server: Server, api: Api) -> None:
    event = await api.create_event([5])
    token = await api.new_buyer()
    answers = [
        await api.http.get("/"),
        await api.http.get("/api/events"),
        await api.http.get("/api/nowhere"),
        await api.book(token, event["ticket_types"][0]["id"]),
        await api.http.post("/api/bookings", content=b"{", headers=api.auth(token)),
    ]
    for answer in answers:
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert "default-src 'self'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert [a.status_code for a in answers] == [answers[0].status_code, 200, 404, 202, 400]


def bookings_of(server: Server, ticket_type_id: str) -> int:
    rows = server.query(
        "SELECT COUNT(*) FROM bookings WHERE ticket_type_id = ?", uuid.UUID(ticket_type_id).hex
    )
    return int(rows[0][0])


async def test_cookie_writes_need_json_and_our_origin(server: Server, api: Api) -> None:
    event = await api.create_event([5])
    tt = event["ticket_types"][0]["id"]
    cookie = {"Cookie": f"bolt_session={await api.new_buyer()}"}
    ours = {"Origin": server.url}
    body = f'{{"ticket_type_id": "{tt}", "quantity": 1}}'
    as_json = {"Content-Type": "application/json"}

    refused: list[tuple[dict[str, str], int, str]] = [
        ({**cookie, **ours, "Content-Type": "text/plain"}, 415, "unsupported-media-type"),
        ({**cookie, **ours, "Content-Type": "application/x-www-form-urlencoded"}, 415, ""),
        ({**cookie, **ours}, 415, "unsupported-media-type"),
        ({**cookie, **as_json}, 403, "forbidden"),
        ({**cookie, **as_json, "Origin": "https://evil.example"}, 403, "forbidden"),
        ({**cookie, **as_json, "Origin": "null"}, 403, "forbidden"),
    ]
    for headers, status, slug in refused:
        response = await api.http.post("/api/bookings", content=body, headers=headers)
        assert response.status_code == status, (headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith(slug)
    assert bookings_of(server, tt) == 0

    accepted = await api.http.post(
        "/api/bookings", content=body, headers={**cookie, **ours, **as_json}
    )
    assert accepted.status_code == 202, accepted.text
    booking = accepted.json()["booking_id"]
    cancel = f"/api/bookings/{booking}/cancel"
    # A bodiless write needs no Content-Type, but still our Origin.
    foreign = await api.http.post(cancel, headers={**cookie, "Origin": "https://evil.example"})
    assert foreign.status_code == 403, foreign.text
    await api.final_statuses([(cookie["Cookie"].partition("=")[2], booking)])
    assert (await api.http.post(cancel, headers={**cookie, **ours})).status_code == 200


async def test_a_bearer_token_needs_neither_origin_nor_json(server: Server, api: Api) -> None:
    """No browser sends a bearer token by itself: such a request is no forgery."""
    event = await api.create_event([5])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    response = await api.http.post(
        "/api/bookings",
        content=f'{{"ticket_type_id": "{tt}", "quantity": 1}}',
        headers={
            **api.auth(token),
            "Cookie": f"bolt_session={token}",
            "Content-Type": "text/plain",
            "Origin": "https://evil.example",
        },
    )
    assert response.status_code == 202, response.text


async def test_logging_in_with_a_stale_cookie_needs_no_origin(api: Api) -> None:
    """Credentials in the body authenticate a login, not the cookie that comes along."""
    token = await api.new_buyer()
    email = (await api.http.get("/api/auth/me", headers=api.auth(token))).json()["email"]
    response = await api.http.post(
        "/api/auth/login",
        json={"email": email, "password": "buyer-password"},
        headers={"Cookie": f"bolt_session={token}"},
    )
    assert response.status_code == 200, response.text


async def test_the_session_cookie_is_secure_outside_dev(api: Api) -> None:
    email = f"buyer-{uuid.uuid4().hex[:12]}@tests.bolttickets.dev"
    created = await api.http.post(
        "/api/auth/register", json={"email": email, "password": "buyer-password"}
    )
    assert created.status_code == 201, created.text
    login = await api.http.post(
        "/api/auth/login", json={"email": email, "password": "buyer-password"}
    )
    api.http.cookies.clear()
    attributes = [a.strip().lower() for a in login.headers["set-cookie"].split(";")]
    assert "secure" in attributes and "httponly" in attributes


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short7!", "string_too_short"),
        ("password123", "value_error"),
        ("Iloveyou1", "value_error"),
        ("x" * 257, "string_too_long"),
        ("{user}", "value_error"),
        ("{email}", "value_error"),
    ],
)
async def test_weak_passwords_are_refused_without_being_echoed(
    server: Server, api: Api, password: str, why: str
) -> None:
    user = f"buyer-{uuid.uuid4().hex[:12]}"
    email = f"{user}@tests.bolttickets.dev"
    password = password.format(user=user, email=email)
    before = server.query("SELECT COUNT(*) FROM users")[0][0]
    response = await api.http.post(
        "/api/auth/register", json={"email": email, "password": password}
    )
    assert response.status_code == 422, response.text
    assert why in {e["type"] for e in response.json()["errors"]}
    assert password not in response.text.replace(email, "")
    assert server.query("SELECT COUNT(*) FROM users")[0][0] == before


async def test_the_openapi_document_names_the_guards_refusals(api: Api) -> None:
    paths = (await api.http.get("/openapi.json")).json()["paths"]
    booking = paths["/api/bookings"]["post"]["responses"]
    assert {"403", "413", "415"} <= booking.keys()
    assert "application/problem+json" in booking["415"]["content"]
    assert {"403"} <= paths["/api/bookings/{booking_id}/cancel"]["post"]["responses"].keys()
    assert "413" not in paths["/api/events"]["get"]["responses"]


@pytest.fixture(autouse=True)
def _no_cookies_between_tests(api: Api) -> None:
    api.http.cookies.clear()
