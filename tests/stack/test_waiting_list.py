"""The waiting list after a sell-out on the full stack: two API processes (one of them
sweeps the offers, by the lease) and a worker. Cancelled tickets are offered to the first in
line, as many as came back; nobody else books them; an offer not taken passes to the next.
tests/integration/test_waiting_list.py runs the same on the embedded default."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.stack.conftest import Stack
from tests.support import Api, Socket, eventually

APIS = 2
WORKERS = 1
STACK_ENV = {"BOLT_WAITING_ROOM_TICK_MS": "200"}
SHORT_OFFER_SECONDS = 10  # the shortest an organiser may set


@pytest.fixture(scope="module")
async def other_api(stack: Stack) -> AsyncIterator[Api]:
    client = Api(stack.apis[1])
    yield client
    await client.close()


async def test_cancelled_tickets_go_to_the_first_in_line_and_to_nobody_else(
    api: Api, other_api: Api
) -> None:
    await cancelled_tickets_go_down_the_line([api, other_api])


async def test_an_offer_not_taken_passes_to_the_next(api: Api, other_api: Api) -> None:
    await an_offer_not_taken_passes_on([api, other_api])


def list_path(event: dict[str, Any], rest: str = "") -> str:
    return f"/api/events/{event['id']}/waiting-list{rest}"


async def set_offer_ttl(api: Api, event: dict[str, Any], seconds: int | None) -> None:
    """The event's offer lifetime, next to its waiting room's settings (the room left off)."""
    response = await api.http.put(
        f"/api/events/{event['id']}/waiting-room",
        json={
            "opens_at": datetime.now(UTC).isoformat(),
            "enabled": False,
            "offer_ttl_seconds": seconds,
        },
        headers=api.auth(await api.admin()),
    )
    assert response.status_code == 200, response.text
    assert response.json()["offer_ttl_seconds"] == seconds


async def join(api: Api, token: str, event: dict[str, Any]) -> httpx.Response:
    return await api.http.post(
        list_path(event),
        json={"ticket_type_id": event["ticket_types"][0]["id"]},
        headers=api.auth(token),
    )


async def place(api: Api, token: str, event: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.get(list_path(event, "/me"), headers=api.auth(token))
    assert response.status_code == 200, response.text
    places: list[dict[str, Any]] = response.json()["places"]
    assert [p["ticket_type_id"] for p in places] == [event["ticket_types"][0]["id"]]
    return places[0]


async def book(
    api: Api, token: str, event: dict[str, Any], offer: str | None, quantity: int = 1
) -> httpx.Response:
    headers = api.auth(token)
    if offer is not None:
        headers["Admission-Pass"] = offer
    return await api.http.post(
        "/api/bookings",
        json={"ticket_type_id": event["ticket_types"][0]["id"], "quantity": quantity},
        headers=headers,
    )


async def sold_out(api: Api, capacity: int) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An event whose one ticket type is sold out: (token, booking id) of each holder."""
    event = await api.create_event((capacity,))
    holders = await api.buyers(capacity)
    bookings = []
    for token in holders:
        booked = await book(api, token, event, None)
        assert booked.status_code == 202, booked.text
        bookings.append((token, booked.json()["booking_id"]))
    assert set((await api.final_statuses(bookings, timeout=120)).values()) == {"reserved"}
    return event, bookings


async def cancel(api: Api, token: str, booking_id: str) -> None:
    response = await api.http.post(f"/api/bookings/{booking_id}/cancel", headers=api.auth(token))
    assert response.status_code == 200, response.text


async def overview(api: Api, event: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.get(list_path(event), headers=api.auth(await api.admin()))
    assert response.status_code == 200, response.text
    [counts] = response.json()["ticket_types"]
    assert counts["ticket_type_id"] == event["ticket_types"][0]["id"]
    found: dict[str, Any] = counts
    return found


async def cancelled_tickets_go_down_the_line(clients: list[Api]) -> None:
    """Through every one of ``clients`` (API processes) in turn."""
    api = clients[0]
    on_sale = await api.create_event((5,))
    waiters = await api.buyers(10)
    not_yet = await join(api, waiters[0], on_sale)
    assert not_yet.status_code == 409, not_yet.text
    assert not_yet.json()["type"] == "/problems/not-sold-out"

    event, holders = await sold_out(api, 3)
    sockets = [await Socket.open(client.server) for client in clients]
    for socket in sockets:
        await socket.send(type="subscribe", event_id=event["id"])
    for i, token in enumerate(waiters):
        joined = await join(clients[i % len(clients)], token, event)
        assert joined.status_code == 200, joined.text
        assert joined.json() == {
            "ticket_type_id": event["ticket_types"][0]["id"],
            "state": "waiting",
            "position": i + 1,
            "offer_expires_at": None,
            "pass": None,
        }
    again = await join(clients[-1], waiters[4], event)
    assert again.json()["position"] == 5
    assert await overview(api, event) == {
        "ticket_type_id": event["ticket_types"][0]["id"],
        "waiting": 10,
        "offered": 0,
        "bought": 0,
        "lapsed": 0,
    }

    # Three come back: exactly the first three in line are offered one each.
    for i, (token, booking_id) in enumerate(holders):
        await cancel(clients[i % len(clients)], token, booking_id)

    async def places() -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(place(api, t, event) for t in waiters)))

    seen = await eventually(places, lambda ps: sum(p["state"] == "offered" for p in ps) == 3)
    assert [p["state"] for p in seen] == ["offered"] * 3 + ["waiting"] * 7
    assert [p["position"] for p in seen[3:]] == list(range(1, 8))
    assert all(p["pass"] and p["offer_expires_at"] for p in seen[:3])
    for socket in sockets:
        await socket.wait_for(
            lambda f: f.get("type") == "waiting_list" and f.get("offered_through") == 3,
            timeout=60,
        )
    counts = await overview(api, event)
    assert (counts["waiting"], counts["offered"]) == (7, 3)
    assert set((await api.remaining(event["id"])).values()) == {3}

    # The three tickets are the offered buyers': nobody else books them, whatever they send.
    outsider = (await api.buyers(1))[0]
    first_pass = seen[0]["pass"]
    refusals = {
        "a buyer not on the list": (outsider, None, 1),
        "the next in line, without an offer": (waiters[3], None, 1),
        "the next in line, with another's offer": (waiters[3], first_pass, 1),
        "the offered buyer, for two tickets": (waiters[0], first_pass, 2),
    }
    for what, (token, offer, quantity) in refusals.items():
        for client in clients:
            refused = await book(client, token, event, offer, quantity)
            assert refused.status_code == 403, f"{what}: {refused.text}"
            assert refused.json()["type"] == "/problems/waiting-list", what
            assert refused.json()["join"] == list_path(event), what

    # The offered buyers book with their passes, each on another process.
    bookings = []
    for i, (token, offered) in enumerate(zip(waiters[:3], seen[:3], strict=True)):
        accepted = await book(clients[i % len(clients)], token, event, offered["pass"])
        assert accepted.status_code == 202, accepted.text
        bookings.append((token, accepted.json()["booking_id"]))
    assert set((await api.final_statuses(bookings, timeout=120)).values()) == {"reserved"}
    assert [p["state"] for p in await places()][:3] == ["bought"] * 3
    assert await overview(api, event) == {
        "ticket_type_id": event["ticket_types"][0]["id"],
        "waiting": 7,
        "offered": 0,
        "bought": 3,
        "lapsed": 0,
    }
    assert set((await api.remaining(event["id"])).values()) == {0}
    for socket in sockets:
        await socket.close()


async def an_offer_not_taken_passes_on(clients: list[Api]) -> None:
    api, last = clients[0], clients[-1]
    event, [(holder, booking_id)] = await sold_out(api, 1)
    await set_offer_ttl(api, event, SHORT_OFFER_SECONDS)
    first, second, third = await api.buyers(3)
    for token in (first, second, third):
        assert (await join(api, token, event)).status_code == 200

    await cancel(last, holder, booking_id)
    offered = await eventually(lambda: place(api, first, event), lambda p: p["state"] == "offered")

    # Not taken: when it expires it passes to the second in line; the first's pass is void.
    passed = await eventually(
        lambda: place(last, second, event), lambda p: p["state"] == "offered", timeout=120
    )
    assert passed["offer_expires_at"] > offered["offer_expires_at"] and passed["pass"]
    assert (await place(api, first, event))["state"] == "lapsed"
    assert (await place(api, third, event))["position"] == 1
    late = await book(api, first, event, offered["pass"])
    assert late.status_code == 403, late.text
    assert late.json()["type"] == "/problems/waiting-list"
    counts = await overview(api, event)
    assert (counts["waiting"], counts["offered"], counts["lapsed"]) == (1, 1, 1)

    # The second leaves: the offer passes on to the third, who books it.
    left = await api.http.delete(
        list_path(event, f"/{event['ticket_types'][0]['id']}"), headers=api.auth(second)
    )
    assert left.status_code == 204, left.text
    assert (await place(api, second, event))["state"] == "left"
    taken = await eventually(lambda: place(last, third, event), lambda p: p["state"] == "offered")
    accepted = await book(last, third, event, taken["pass"])
    assert accepted.status_code == 202, accepted.text
    decided = await api.final_statuses([(third, accepted.json()["booking_id"])], timeout=120)
    assert set(decided.values()) == {"reserved"}
    assert (await place(api, third, event))["state"] == "bought"
