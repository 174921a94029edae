"""A sale through its waiting room on the full stack: two API processes (one of them ticks,
by the lease) and a worker. Buyers join before the start, the lottery numbers them, the
automatic rate admits as many as there are tickets, they book with their passes, and once
the last ticket is sold every subscribed socket is told ``sold_out``. No booking gets past
the room without a valid pass of its own buyer for its own event."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.stack.conftest import Stack
from tests.support import Api, Socket, eventually

APIS = 2
WORKERS = 1
PASS_SECRET = "stack-test-admission-pass-secret-0123456789"
STACK_ENV = {"BOLT_ADMISSION_PASS_SECRET": PASS_SECRET, "BOLT_WAITING_ROOM_TICK_MS": "200"}
TICKETS = 3
BUYERS = 5
SALE_STARTS_IN = timedelta(seconds=30)  # time enough for a dozen joins on a busy machine


@pytest.fixture(scope="module")
async def other_api(stack: Stack) -> AsyncIterator[Api]:
    client = Api(stack.apis[1])
    yield client
    await client.close()


def room_path(event: dict[str, Any], rest: str = "") -> str:
    return f"/api/events/{event['id']}/waiting-room{rest}"


async def open_room(api: Api, event: dict[str, Any]) -> None:
    response = await api.http.put(
        room_path(event),
        json={"opens_at": datetime.now(UTC).isoformat(), "admit_per_minute": None},
        headers=api.auth(await api.admin()),
    )
    assert response.status_code == 200, response.text


async def book(
    api: Api, token: str, event: dict[str, Any], admission_pass: str | None
) -> httpx.Response:
    headers = api.auth(token)
    if admission_pass is not None:
        headers["Admission-Pass"] = admission_pass
    return await api.http.post(
        "/api/bookings",
        json={"ticket_type_id": event["ticket_types"][0]["id"], "quantity": 1},
        headers=headers,
    )


def forged(user_id: str, event_id: str, expires_in: timedelta) -> str:
    """A pass as the server signs one (its secret is this module's)."""
    claims = {
        "sub": user_id,
        "event": event_id,
        "aud": "admission",
        "exp": int((datetime.now(UTC) + expires_in).timestamp()),
    }
    return jwt.encode(claims, PASS_SECRET, algorithm="HS256")


async def user_id(api: Api, token: str) -> str:
    response = await api.http.get("/api/auth/me", headers=api.auth(token))
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def test_a_sale_through_the_room_admits_fairly_and_tells_of_the_sell_out(
    api: Api, other_api: Api
) -> None:
    await sale_through_the_room([api, other_api])


async def test_no_booking_gets_past_the_room_without_its_own_valid_pass(
    api: Api, other_api: Api
) -> None:
    await no_bypass([api, other_api])


async def sale_through_the_room(clients: list[Api]) -> None:
    """Through every one of ``clients`` (API processes) in turn."""
    api = clients[0]
    # The slow part first (argon2 for each buyer): before the start, only joins remain.
    buyers = await api.buyers(BUYERS)
    sockets = [await Socket.open(client.server) for client in clients]
    event = await api.create_event((TICKETS,), sale_starts_in=SALE_STARTS_IN)
    await open_room(api, event)
    for socket in sockets:
        await socket.send(type="subscribe", event_id=event["id"])

    # Before the start: in the pre-queue, without a number; joining again changes nothing.
    for i, token in enumerate(buyers):
        for client in (clients[i % len(clients)], clients[(i + 1) % len(clients)]):
            joined = await client.http.post(room_path(event, "/join"), headers=client.auth(token))
            assert joined.status_code == 200, joined.text
            assert joined.json()["state"] == "waiting" and joined.json()["number"] is None
    refused = await book(api, buyers[0], event, None)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "/problems/waiting-room"
    assert refused.json()["join"] == room_path(event, "/join")

    async def places() -> list[dict[str, Any]]:
        found = []
        for token in buyers:
            me = await api.http.get(room_path(event, "/me"), headers=api.auth(token))
            assert me.status_code == 200, me.text
            found.append(me.json())
        return found

    # The lottery at the start numbers everyone; the automatic rate admits one per ticket.
    # One scan reads the places one after another and may straddle the lottery, so a scan
    # counts only once every place it read had its number.
    seen = await eventually(
        places,
        lambda ps: (
            all(p["number"] is not None for p in ps)
            and sum(p["state"] == "admitted" for p in ps) == TICKETS
        ),
        timeout=SALE_STARTS_IN.total_seconds() + 90,
    )
    assert sorted(p["number"] for p in seen) == list(range(1, BUYERS + 1))
    admitted = [(t, p) for t, p in zip(buyers, seen, strict=True) if p["state"] == "admitted"]
    waiting = [(t, p) for t, p in zip(buyers, seen, strict=True) if p["state"] == "waiting"]
    assert all(p["pass"] and p["position"] == 0 for _, p in admitted)
    assert all(p["pass"] is None and p["position"] >= 1 for _, p in waiting)
    last = clients[-1]
    again = await last.http.post(room_path(event, "/join"), headers=last.auth(waiting[0][0]))
    assert again.json()["number"] == waiting[0][1]["number"]

    bookings = []
    for i, (token, place) in enumerate(admitted):
        accepted = await book(clients[i % len(clients)], token, event, place["pass"])
        assert accepted.status_code == 202, accepted.text
        bookings.append((token, accepted.json()["booking_id"]))
    statuses = await api.final_statuses(bookings, timeout=120)
    assert set(statuses.values()) == {"reserved"}
    confirmed_at = time.monotonic()

    # Every subscriber, on either process, is told of the sell-out (a generous bound: the
    # machine is shared; the figure is printed, never asserted).
    for socket in sockets:
        told = await socket.wait_for(
            lambda f: f.get("type") == "waiting_room" and f.get("state") == "sold_out",
            timeout=60,
        )
        assert told["event_id"] == event["id"] and told["now_serving"] == TICKETS
        await socket.close()
    print(
        f"sold_out on every socket {time.monotonic() - confirmed_at:.2f} s after the test saw "
        "the last booking confirmed"
    )
    for token, _ in waiting:
        me = await api.http.get(room_path(event, "/me"), headers=api.auth(token))
        assert me.json()["state"] == "sold_out"
    assert set((await api.remaining(event["id"])).values()) == {0}
    watched = await api.http.get(room_path(event), headers=api.auth(await api.admin()))
    assert watched.status_code == 200, watched.text
    overview = watched.json()
    assert overview["state"] == "sold_out" and overview["admit_per_minute"] is None
    assert (overview["numbered"], overview["now_serving"], overview["waiting"]) == (
        BUYERS,
        TICKETS,
        BUYERS - TICKETS,
    )
    assert (overview["bought"], overview["pre_queued"]) == (TICKETS, 0)
    audited = await api.http.get(
        "/api/admin/audit",
        params={"action": "event.waiting-room-set", "target": f"event:{event['id']}"},
        headers=api.auth(await api.admin()),
    )
    assert len(audited.json()["items"]) == 1, audited.text


async def no_bypass(clients: list[Api]) -> None:
    api, last = clients[0], clients[-1]
    event = await api.create_event((100,))
    elsewhere = await api.create_event((100,))
    await open_room(api, event)
    await open_room(api, elsewhere)
    buyer, other = await api.buyers(2)
    buyer_id, other_id = await user_id(api, buyer), await user_id(api, other)

    async def admitted() -> dict[str, Any]:
        me = await api.http.post(room_path(event, "/join"), headers=api.auth(buyer))
        assert me.status_code == 200, me.text
        found: dict[str, Any] = me.json()
        return found

    place = await eventually(admitted, lambda p: p["state"] == "admitted", timeout=90)
    refusals = {
        "no pass": None,
        "an expired pass": forged(buyer_id, event["id"], timedelta(seconds=-5)),
        "another buyer's pass": forged(other_id, event["id"], timedelta(minutes=5)),
        "a pass for another event": forged(buyer_id, elsewhere["id"], timedelta(minutes=5)),
        "a pass signed with another key": jwt.encode(
            {"sub": buyer_id, "event": event["id"], "aud": "admission", "exp": 2**40},
            "another-key-another-key-another-key-0123",
            algorithm="HS256",
        ),
        "an access token": buyer,
    }
    for what, admission_pass in refusals.items():
        for client in clients:
            refused = await book(client, buyer, event, admission_pass)
            assert refused.status_code == 403, f"{what}: {refused.text}"
            assert refused.json()["type"] == "/problems/waiting-room", what
    stolen = await book(last, other, event, place["pass"])
    assert stolen.status_code == 403, stolen.text

    accepted = await book(last, buyer, event, place["pass"])
    assert accepted.status_code == 202, accepted.text
    # An event without a room needs no pass, and its page says so (the web page sends
    # buyers of an event with a room into it before they may buy).
    plain = await api.create_event((10,))
    shown = (await api.http.get(f"/api/events/{event['id']}")).json()
    assert shown["waiting_room_opens_at"] is not None
    assert (await api.http.get(f"/api/events/{plain['id']}")).json()[
        "waiting_room_opens_at"
    ] is None
    free = await book(api, other, plain, None)
    assert free.status_code == 202, free.text
    decided = await api.final_statuses(
        [(buyer, accepted.json()["booking_id"]), (other, free.json()["booking_id"])]
    )
    assert set(decided.values()) == {"reserved"}
