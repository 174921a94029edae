"""Sessions through two real API processes on Redis: refresh rotation, reuse detection,
logout refused on the other process within a second, "log out everywhere", and sockets
closed when their session ends or their token expires."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
import websockets

from tests.stack.conftest import Stack
from tests.support import JWT_SECRET, Api, Socket, eventually

APIS = 2
WORKERS = 0
# Generous: the machine is shared and loaded. The contract is one second; how long it took
# is printed, and a refusal that never comes fails here.
DEADLINE = 30.0
PASSWORD = "buyer-password"


async def register(api: Api) -> str:
    email = f"session-{uuid.uuid4().hex[:12]}@tests.bolttickets.dev"
    response = await api.http.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return email


async def login(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    tokens: dict[str, Any] = response.json()
    return tokens


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    response = await client.post("/api/auth/refresh", json={"refresh_token": refresh_token})
    client.cookies.clear()
    return response


async def me(client: httpx.AsyncClient, access_token: str) -> int:
    response = await client.get("/api/auth/me", headers=Api.auth(access_token))
    return response.status_code


async def refused_within(client: httpx.AsyncClient, access_token: str, what: str) -> float:
    """Poll until ``client``'s process refuses the token; returns how long it took."""
    started = time.monotonic()
    await eventually(lambda: me(client, access_token), lambda s: s == 401, timeout=DEADLINE)
    took = time.monotonic() - started
    print(f"{what}: refused after {took:.3f} s")
    return took


@pytest.fixture(scope="module")
async def other(stack: Stack) -> Any:
    """A client of the second API process."""
    client = Api(stack.apis[1])
    yield client
    await client.close()


async def test_refresh_rotates_the_pair_and_both_processes_accept_the_new_token(
    api: Api, other: Api
) -> None:
    first = await login(api.http, await register(api))

    response = await refresh(other.http, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    # The access token may equal the first one: same claims within the same second.
    assert second["expires_in"] == 900  # the default lifetime: 15 minutes
    assert await me(api.http, second["access_token"]) == 200
    assert await me(other.http, second["access_token"]) == 200
    third = await refresh(api.http, second["refresh_token"])
    assert third.status_code == 200, third.text


async def test_the_web_page_refreshes_with_its_cookie_scoped_to_the_auth_calls(api: Api) -> None:
    # A browser sends Secure cookies to http://127.0.0.1 (a secure context); httpx's jar
    # does not, so the test sends them as the browser would.
    email = await register(api)
    http = api.http
    login_response = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    cookie = next(
        c for c in login_response.headers.get_list("set-cookie") if c.startswith("bolt_refresh=")
    )
    for flag in ("HttpOnly", "Secure", "Path=/api/auth", "SameSite=strict"):
        assert flag in cookie, cookie
    old = login_response.cookies["bolt_refresh"]

    response = await http.post("/api/auth/refresh", headers={"Cookie": f"bolt_refresh={old}"})

    assert response.status_code == 200, response.text
    assert response.cookies["bolt_refresh"] == response.json()["refresh_token"] != old
    session = response.cookies["bolt_session"]
    me = await http.get("/api/auth/me", headers={"Cookie": f"bolt_session={session}"})
    assert me.status_code == 200, me.text


async def test_a_reused_refresh_token_revokes_its_whole_session(api: Api, other: Api) -> None:
    first = await login(api.http, await register(api))
    rotated = (await refresh(api.http, first["refresh_token"])).json()
    assert await me(other.http, rotated["access_token"]) == 200  # verified and cached there

    reuse = await refresh(other.http, first["refresh_token"])

    assert reuse.status_code == 401, reuse.text
    assert reuse.json()["type"] == "/problems/refresh-token-reused"
    after = await refresh(api.http, rotated["refresh_token"])
    assert after.status_code == 401
    assert after.json()["type"] == "/problems/invalid-refresh-token"
    await refused_within(other.http, rotated["access_token"], "reuse, other process")
    await refused_within(api.http, rotated["access_token"], "reuse, same process")


async def test_bad_refresh_tokens_are_401_problems(api: Api) -> None:
    for body in ({"refresh_token": "nonsense"}, {"refresh_token": "no-such-session.secret"}):
        response = await api.http.post("/api/auth/refresh", json=body)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/invalid-refresh-token"
    missing = await api.http.post("/api/auth/refresh")
    assert missing.status_code == 401
    assert "cookie" in missing.json()["detail"]


async def test_logout_refuses_the_old_access_token_on_another_process(api: Api, other: Api) -> None:
    tokens = await login(api.http, await register(api))
    # Both processes have verified the token and cached it.
    assert await me(api.http, tokens["access_token"]) == 200
    assert await me(other.http, tokens["access_token"]) == 200

    response = await api.http.post("/api/auth/logout", headers=Api.auth(tokens["access_token"]))

    assert response.status_code == 204, response.text
    await refused_within(other.http, tokens["access_token"], "logout, other process")
    assert await me(api.http, tokens["access_token"]) == 401
    assert (await refresh(other.http, tokens["refresh_token"])).status_code == 401


async def test_logout_all_ends_every_session_of_the_user_only(api: Api, other: Api) -> None:
    email = await register(api)
    laptop, phone = await login(api.http, email), await login(other.http, email)
    stranger = await login(api.http, await register(api))
    for session in (laptop, phone, stranger):
        assert await me(other.http, session["access_token"]) == 200

    response = await other.http.post(
        "/api/auth/logout-all", headers=Api.auth(phone["access_token"])
    )

    assert response.status_code == 204, response.text
    for session in (laptop, phone):
        await refused_within(api.http, session["access_token"], "logout-all")
        await refused_within(other.http, session["access_token"], "logout-all")
        assert (await refresh(api.http, session["refresh_token"])).status_code == 401
    assert await me(other.http, stranger["access_token"]) == 200
    assert (await refresh(api.http, stranger["refresh_token"])).status_code == 200


async def authenticated_socket(api: Api, access_token: str) -> Socket:
    socket = await Socket.open(api.server)
    await socket.send(type="auth", token=access_token)
    await socket.wait_for(lambda f: f.get("type") == "authenticated")
    return socket


async def closed(socket: Socket) -> websockets.ClientConnection:
    async with asyncio.timeout(DEADLINE):
        await socket.connection.wait_closed()
    return socket.connection


async def test_an_open_socket_is_closed_when_its_session_is_logged_out(
    api: Api, other: Api
) -> None:
    tokens = await login(api.http, await register(api))
    socket = await authenticated_socket(other, tokens["access_token"])
    bystander = await authenticated_socket(
        other, (await login(api.http, await register(api)))["access_token"]
    )

    await api.http.post("/api/auth/logout", headers=Api.auth(tokens["access_token"]))

    connection = await closed(socket)
    assert connection.close_code == 4401
    assert "logged out" in (connection.close_reason or "")
    assert bystander.connection.close_code is None
    await bystander.close()


async def test_an_expired_access_token_is_refused_and_closes_its_socket(api: Api) -> None:
    tokens = await login(api.http, await register(api))
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    # Signed with the servers' key, as they would sign it, but expiring in two seconds.
    short = jwt.encode({**claims, "exp": int(time.time()) + 2}, JWT_SECRET, algorithm="HS256")
    assert await me(api.http, short) == 200
    socket = await authenticated_socket(api, short)

    connection = await closed(socket)

    assert connection.close_code == 4401
    assert "expired" in (connection.close_reason or "")
    response = await api.http.get("/api/auth/me", headers=Api.auth(short))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert await me(api.http, tokens["access_token"]) == 200
