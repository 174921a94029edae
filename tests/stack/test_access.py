"""Who may call what, on the full stack: every operation of the OpenAPI document against
every kind of caller, and API keys over their whole life (made, used, revoked, expired)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.stack.conftest import Stack
from tests.support import Api, eventually

APIS = 2
WORKERS = 1

SCOPES = ("events:read", "events:write", "bookings:read", "bookings:write")
PASSWORD = "access-password-1"

# The callers, in the order of the matrix's columns:
#   anon   nobody (no credential)
#   cust   the customer who made the booking the operations name
#   cust2  another customer
#   org    the organizer who made the event the operations name
#   org2   another organizer
#   admin  an admin
#   key+   an API key owned by `org` holding the operation's scope (sent as a bearer token)
#   key-   an API key owned by `org` holding every scope but that one (sent as X-API-Key)
CALLERS = ("anon", "cust", "cust2", "org", "org2", "admin", "key+", "key-")

# Every operation the API documents: the scope an API key needs for it ("-": none; then
# key+ and key- both hold every scope) and the answer each caller gets. The booking is
# `cust`'s, reserved (its test payment declined, so it stays reserved; Stripe is not
# enabled on this stack); the event is `org`'s; the key and user the admin operations name are
# throwaway ones; refresh is sent a fresh refresh token of `cust`'s in its body, whoever
# calls. Rows run top to bottom, each left to right: `cust` cancels the booking before the
# admin cancels it again (harmlessly). The operations that end the caller's sessions or
# account (ENDS_THE_CALLER) are called by a stand-in of each person: a new account of the
# same role, so every other row keeps its callers. An operation added to the API fails
# test_every_operation_answers_each_caller_as_the_matrix_says until it has a row here.
TABLE = """
operation                                 key scope       anon cust cust2 org org2 admin key+ key-
POST   /api/auth/register                 -               201  201  201   201 201  201   201  201
POST   /api/auth/login                    -               200  200  200   200 200  200   200  200
GET    /api/auth/me                       -               401  200  200   200 200  200   200  200
GET    /api/events                        events:read     200  200  200   200 200  200   200  403
GET    /api/events/{event_id}             events:read     200  200  200   200 200  200   200  403
POST   /api/events                        events:write    401  403  403   201 201  201   201  403
GET    /api/events/{event_id}/bookings    bookings:read   401  403  403   200 403  200   200  403
POST   /api/bookings                      bookings:write  401  202  202   202 202  202   202  403
GET    /api/bookings                      bookings:read   401  200  200   200 200  200   200  403
GET    /api/bookings/{booking_id}         bookings:read   401  200  404   404 404  200   404  403
POST   /api/bookings/{booking_id}/checkout bookings:write 401  200  404   404 404  404   404  403
POST   /api/payments/test/{payment_id}    -               200  200  200   200 200  200   200  200
POST   /api/payments/stripe/webhook       -               422  422  422   422 422  422   422  422
POST   /api/bookings/{booking_id}/refund  bookings:write  401  409  404   409 404  409   409  403
POST   /api/bookings/{booking_id}/cancel  bookings:write  401  200  404   404 404  200   404  403
POST   /api/admin/api-keys                -               401  403  403   403 403  201   403  403
GET    /api/admin/api-keys                -               401  403  403   403 403  200   403  403
DELETE /api/admin/api-keys/{key_id}       -               401  403  403   403 403  204   403  403
GET    /api/admin/users                   -               401  403  403   403 403  200   403  403
PUT    /api/admin/users/{user_id}/role    -               401  403  403   403 403  200   403  403
GET    /api/admin/audit                   -               401  403  403   403 403  200   403  403
GET    /api/me/export                     -               401  200  200   200 200  200   403  403
GET    /health/live                       -               200  200  200   200 200  200   200  200
GET    /health/ready                      -               200  200  200   200 200  200   200  200
POST   /api/auth/refresh                  -               200  200  200   200 200  200   200  200
POST   /api/auth/logout                   -               401  204  204   204 204  204   403  403
POST   /api/auth/logout-all               -               401  204  204   204 204  204   403  403
DELETE /api/me                            -               401  204  204   204 204  204   403  403
PUT    /api/events/{event_id}/waiting-room      events:write 401  403  403   200 403  200   200  403
GET    /api/events/{event_id}/waiting-room      events:read  401  403  403   200 403  200   200  403
POST   /api/events/{event_id}/waiting-room/join -            401  200  200   200 200  200   403  403
GET    /api/events/{event_id}/waiting-room/me   -            401  200  200   200 200  200   403  403
POST   /api/events/{event_id}/waiting-list      -            401  200  200   200 200  200   403  403
GET    /api/events/{event_id}/waiting-list/me   -            401  200  200   200 200  200   403  403
DELETE /api/events/{event_id}/waiting-list/{ticket_type_id} - 401 204 204  204 204  204   403  403
GET    /api/events/{event_id}/waiting-list      events:read  401  403  403   200 403  200   200  403
GET    /api/bookings/{booking_id}/tickets     bookings:read 401  200  404   404 404  404   404  403
GET    /api/tickets/{code}/qr.svg             bookings:read 401  200  404   404 404  404   404  403
GET    /api/tickets/{code}/qr.png             bookings:read 401  200  404   404 404  404   404  403
GET    /api/tickets/{code}/ticket.pdf         bookings:read 401  200  404   404 404  404   404  403
POST   /api/checkin                             -            401  403  403   403 403  200   403  403
GET    /api/events/{event_id}/checkins        bookings:read 401  403  403   200 403  200   200  403
GET    /api/events/{event_id}/attendees.csv   bookings:read 401  403  403   200 403  200   200  403
"""

ENDS_THE_CALLER = {
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/logout-all"),
    ("DELETE", "/api/me"),
}


def _parse(table: str) -> dict[tuple[str, str], tuple[str | None, tuple[int, ...]]]:
    rows: dict[tuple[str, str], tuple[str | None, tuple[int, ...]]] = {}
    for line in table.strip().splitlines()[1:]:
        method, path, scope, *statuses = line.split()
        assert len(statuses) == len(CALLERS), line
        rows[(method, path)] = (None if scope == "-" else scope, tuple(map(int, statuses)))
    return rows


MATRIX = _parse(TABLE)


@dataclass
class World:
    """The callers and what the operations name."""

    tokens: dict[str, str]
    emails: dict[str, str]
    ids: dict[str, str]
    event: dict[str, Any]
    room_event: dict[str, Any]
    """``org``'s too, with the waiting room the waiting-room operations name: the bookings
    of ``event`` need no pass."""
    sold_out_event: dict[str, Any]
    """``org``'s too, sold out, whose waiting list the waiting-list operations name (each
    person joins it, then leaves)."""
    booking_id: str
    payment_id: str
    keys_with: dict[str | None, str]
    keys_without: dict[str | None, str]
    doomed_key_id: str
    doomed_user_id: str
    ticket_code: str
    """Of a ticket of another booking of ``cust``'s, one nobody cancels."""


async def register(api: Api, prefix: str) -> tuple[str, str]:
    email = f"{prefix}-{uuid.uuid4().hex[:10]}@tests.bolttickets.dev"
    response = await api.http.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    return email, response.json()["id"]


async def set_role(api: Api, admin: str, user_id: str, role: str) -> None:
    response = await api.http.put(
        f"/api/admin/users/{user_id}/role", json={"role": role}, headers=api.auth(admin)
    )
    assert (response.status_code, response.json()["role"]) == (200, role), response.text


async def new_key(api: Api, admin: str, scopes: list[str], **extra: Any) -> dict[str, Any]:
    response = await api.http.post(
        "/api/admin/api-keys",
        json={"name": "integration", "scopes": scopes, **extra},
        headers=api.auth(admin),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def event_body(capacity: int = 1000) -> dict[str, Any]:
    return {
        "name": f"Gig {uuid.uuid4().hex[:6]}",
        "venue": "Hall",
        "starts_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        "ticket_types": [{"name": "GA", "price_cents": 1000, "capacity": capacity}],
    }


@pytest.fixture(scope="module")
async def world(api: Api) -> World:
    admin = await api.admin()
    emails: dict[str, str] = {}
    ids: dict[str, str] = {}
    tokens: dict[str, str] = {"admin": admin}
    for caller in ("cust", "cust2", "org", "org2"):
        emails[caller], ids[caller] = await register(api, caller)
        if caller.startswith("org"):
            await set_role(api, admin, ids[caller], "organizer")
        tokens[caller] = await api.token(emails[caller], PASSWORD)  # after the role change

    created = await api.http.post("/api/events", json=event_body(), headers=api.auth(tokens["org"]))
    assert created.status_code == 201, created.text
    event = created.json()
    room_created = await api.http.post(
        "/api/events", json=event_body(), headers=api.auth(tokens["org"])
    )
    assert room_created.status_code == 201, room_created.text
    booked = await api.book(tokens["cust"], event["ticket_types"][0]["id"])
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["booking_id"]
    await api.final_statuses([(tokens["cust"], booking_id)])  # reserved: cancellable
    checkout = await api.http.post(
        f"/api/bookings/{booking_id}/checkout",
        json={"provider": "test"},
        headers=api.auth(tokens["cust"]),
    )
    assert checkout.status_code == 200, checkout.text
    sold_out = await api.http.post(
        "/api/events", json=event_body(capacity=1), headers=api.auth(tokens["org"])
    )
    assert sold_out.status_code == 201, sold_out.text
    last_one = await api.book(tokens["cust2"], sold_out.json()["ticket_types"][0]["id"])
    assert last_one.status_code == 202, last_one.text
    await api.final_statuses([(tokens["cust2"], last_one.json()["booking_id"])])

    kept = await api.book(tokens["cust"], event["ticket_types"][0]["id"])
    assert kept.status_code == 202, kept.text
    await api.final_statuses([(tokens["cust"], kept.json()["booking_id"])])
    await api.pay(tokens["cust"], kept.json()["booking_id"])
    tickets = await api.http.get(
        f"/api/bookings/{kept.json()['booking_id']}/tickets", headers=api.auth(tokens["cust"])
    )
    [ticket] = tickets.json()

    owner = {"owner_id": ids["org"]}
    keys_with: dict[str | None, str] = {}
    keys_without: dict[str | None, str] = {}
    every = (await new_key(api, admin, list(SCOPES), **owner))["secret"]
    keys_with[None] = keys_without[None] = every
    for scope in SCOPES:
        keys_with[scope] = (await new_key(api, admin, [scope], **owner))["secret"]
        others = [s for s in SCOPES if s != scope]
        keys_without[scope] = (await new_key(api, admin, others, **owner))["secret"]
    doomed_key = await new_key(api, admin, ["events:read"], **owner)
    _, doomed_user_id = await register(api, "doomed")
    return World(
        tokens,
        emails,
        ids,
        event,
        room_created.json(),
        sold_out.json(),
        booking_id,
        checkout.json()["payment_id"],
        keys_with,
        keys_without,
        doomed_key["id"],
        doomed_user_id,
        ticket["code"],
    )


async def stand_in(api: Api, world: World, caller: str) -> str:
    """The token of a new account with ``caller``'s role."""
    email, user_id = await register(api, f"{caller}-stand-in")
    role = "admin" if caller == "admin" else "organizer" if caller.startswith("org") else None
    if role is not None:
        await set_role(api, world.tokens["admin"], user_id, role)
    return await api.token(email, PASSWORD)


async def credential(
    api: Api, world: World, caller: str, scope: str | None, ends_the_caller: bool
) -> dict[str, str]:
    if caller == "anon":
        return {}
    if caller == "key+":
        return {"Authorization": f"Bearer {world.keys_with[scope]}"}
    if caller == "key-":
        return {"X-API-Key": world.keys_without[scope]}
    token = await stand_in(api, world, caller) if ends_the_caller else world.tokens[caller]
    return {"Authorization": f"Bearer {token}"}


async def refresh_token(api: Api, email: str) -> str:
    response = await api.http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    api.http.cookies.clear()
    return str(response.json()["refresh_token"])


async def request_of(
    api: Api, world: World, method: str, template: str
) -> tuple[str, dict[str, Any] | None]:
    event = world.room_event if "/waiting-room" in template else world.event
    if "/waiting-list" in template:
        event = world.sold_out_event
    path = template.format(
        event_id=event["id"],
        ticket_type_id=event["ticket_types"][0]["id"],
        booking_id=world.booking_id,
        payment_id=world.payment_id,
        key_id=world.doomed_key_id,
        user_id=world.doomed_user_id,
        code=world.ticket_code,
    )
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/auth/register"): {
            "email": f"new-{uuid.uuid4().hex[:10]}@tests.bolttickets.dev",
            "password": PASSWORD,
        },
        ("POST", "/api/auth/login"): {"email": world.emails["cust"], "password": PASSWORD},
        ("POST", "/api/events"): event_body(),
        ("POST", "/api/bookings"): {
            "ticket_type_id": world.event["ticket_types"][0]["id"],
            "quantity": 1,
        },
        ("POST", "/api/admin/api-keys"): {"name": "matrix", "scopes": ["events:read"]},
        ("PUT", "/api/admin/users/{user_id}/role"): {"role": "customer"},
        ("POST", "/api/events/{event_id}/waiting-list"): {
            "ticket_type_id": world.sold_out_event["ticket_types"][0]["id"]
        },
        ("POST", "/api/checkin"): {"code": world.ticket_code},
        ("POST", "/api/bookings/{booking_id}/checkout"): {"provider": "test"},
        # Declined: the booking stays reserved for the rows below.
        ("POST", "/api/payments/test/{payment_id}"): {"card_number": "4000000000000002"},
        ("PUT", "/api/events/{event_id}/waiting-room"): {
            "opens_at": datetime.now(UTC).isoformat(),
            "admit_per_minute": 600,
        },
    }
    if (method, template) == ("POST", "/api/auth/refresh"):
        return path, {"refresh_token": await refresh_token(api, world.emails["cust"])}
    return path, bodies.get((method, template))


async def test_every_operation_answers_each_caller_as_the_matrix_says(
    stack: Stack, api: Api, world: World
) -> None:
    document = (await api.http.get("/openapi.json")).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == set(MATRIX), "every operation needs a row in MATRIX, and only those"

    wrong: list[str] = []
    for (method, template), (scope, expected) in MATRIX.items():
        for caller, status in zip(CALLERS, expected, strict=True):
            path, body = await request_of(api, world, method, template)
            ends_the_caller = (method, template) in ENDS_THE_CALLER
            headers = await credential(api, world, caller, scope, ends_the_caller)
            # A client of its own per call: no cookie a login set leaks into the next call.
            async with httpx.AsyncClient(base_url=stack.apis[0].url, timeout=60) as client:
                response = await client.request(method, path, json=body, headers=headers)
            if response.status_code != status:
                wrong.append(
                    f"{method} {template} as {caller}: {response.status_code}, not {status}: "
                    f"{response.text[:200]}"
                )
    print(f"authorisation matrix: {len(MATRIX)} operations x {len(CALLERS)} callers")
    assert wrong == [], "\n".join(wrong)


async def test_a_key_is_shown_once_and_stored_only_as_a_keyed_hash(
    stack: Stack, api: Api, world: World
) -> None:
    created = await new_key(api, world.tokens["admin"], ["bookings:read"])
    secret = created["secret"]
    assert secret.startswith(f"bt_{created['prefix']}_")
    listed = await api.http.get(
        "/api/admin/api-keys", params={"limit": 100}, headers=api.auth(world.tokens["admin"])
    )
    mine = [k for k in listed.json()["items"] if k["id"] == created["id"]]
    assert len(mine) == 1 and "secret" not in mine[0]
    [row] = await stack.sql("SELECT * FROM api_keys WHERE id = $1", uuid.UUID(created["id"]))
    stored = " ".join(str(value) for value in row.values())
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    assert len(row["secret_hash"]) == 64


async def test_a_bookings_write_key_books_for_its_owner(api: Api, world: World) -> None:
    key = (
        await new_key(api, world.tokens["admin"], ["bookings:write"], owner_id=world.ids["cust2"])
    )["secret"]
    booked = await api.http.post(
        "/api/bookings",
        json={"ticket_type_id": world.event["ticket_types"][0]["id"], "quantity": 1},
        headers={"X-API-Key": key},
    )
    assert booked.status_code == 202, booked.text
    booking = await api.booking(world.tokens["cust2"], booked.json()["booking_id"])
    assert booking["ticket_type_id"] == world.event["ticket_types"][0]["id"]


async def test_a_revoked_key_is_refused_by_every_api_process(
    stack: Stack, api: Api, world: World
) -> None:
    created = await new_key(api, world.tokens["admin"], ["bookings:read"])
    headers = {"X-API-Key": created["secret"]}
    clients = [httpx.AsyncClient(base_url=server.url, timeout=60) for server in stack.apis]
    try:
        for client in clients:  # each process has verified, and caches, the key
            assert (await client.get("/api/bookings", headers=headers)).status_code == 200
        revoked = await api.http.delete(
            f"/api/admin/api-keys/{created['id']}", headers=api.auth(world.tokens["admin"])
        )
        assert revoked.status_code == 204
        for client in clients:

            async def status(client: httpx.AsyncClient = client) -> int:
                return (await client.get("/api/bookings", headers=headers)).status_code

            await eventually(status, lambda code: code == 401)
        again = await api.http.delete(
            f"/api/admin/api-keys/{created['id']}", headers=api.auth(world.tokens["admin"])
        )
        assert again.status_code == 204
        listed = await api.http.get(
            "/api/admin/api-keys", params={"limit": 100}, headers=api.auth(world.tokens["admin"])
        )
        [mine] = [k for k in listed.json()["items"] if k["id"] == created["id"]]
        assert mine["revoked_at"] is not None
    finally:
        for client in clients:
            await client.aclose()


async def test_an_expired_key_is_refused(api: Api, world: World) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=3)
    created = await new_key(
        api, world.tokens["admin"], ["bookings:read"], expires_at=expires_at.isoformat()
    )
    headers = {"Authorization": f"Bearer {created['secret']}"}
    assert (await api.http.get("/api/bookings", headers=headers)).status_code == 200

    async def status() -> int:
        return (await api.http.get("/api/bookings", headers=headers)).status_code

    await eventually(status, lambda code: code == 401)
    assert datetime.now(UTC) >= expires_at


async def test_last_use_is_recorded_without_a_write_per_call(
    stack: Stack, api: Api, world: World
) -> None:
    created = await new_key(api, world.tokens["admin"], ["bookings:read"])
    assert created["last_used_at"] is None
    headers = {"X-API-Key": created["secret"]}

    async def last_used() -> datetime | None:
        [row] = await stack.sql(
            "SELECT last_used_at FROM api_keys WHERE id = $1", uuid.UUID(created["id"])
        )
        value: datetime | None = row["last_used_at"]
        return value

    assert (await api.http.get("/api/bookings", headers=headers)).status_code == 200
    first = await last_used()
    assert first is not None
    for _ in range(20):  # well within a minute of the first call
        assert (await api.http.get("/api/bookings", headers=headers)).status_code == 200
    assert await last_used() == first


@pytest.mark.parametrize(
    "header",
    [
        {"X-API-Key": "bt_"},
        {"X-API-Key": "bt_0123456789ab_" + "A" * 43},  # well shaped, unknown
        {"Authorization": "Bearer bt_not-a-key"},
        {"X-API-Key": "not-a-key-at-all"},
    ],
)
async def test_a_key_that_is_not_valid_is_a_401(api: Api, header: dict[str, str]) -> None:
    response = await api.http.get("/api/bookings", headers=header)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_wrong_secret_for_a_real_prefix_is_a_401(api: Api, world: World) -> None:
    created = await new_key(api, world.tokens["admin"], ["bookings:read"])
    forged = f"bt_{created['prefix']}_{'B' * 43}"
    response = await api.http.get("/api/bookings", headers={"X-API-Key": forged})
    assert response.status_code == 401, response.text


async def test_an_organizer_sees_the_bookings_of_its_own_event_only(api: Api, world: World) -> None:
    own = await api.http.get(
        f"/api/events/{world.event['id']}/bookings", headers=api.auth(world.tokens["org"])
    )
    assert own.status_code == 200
    ids = [b["id"] for b in own.json()["items"]]
    assert world.booking_id in ids
    assert {b["event_id"] for b in own.json()["items"]} == {world.event["id"]}
