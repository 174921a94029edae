"""E-tickets and check-in on the full stack (PostgreSQL, Redis, Kafka): a paid
booking's tickets, readable by their owner only, as JSON, QR codes and a PDF; the door
admits each once, however many scanners race; the organiser sees the counts live and
exports the attendees. tests/integration/test_tickets.py runs the same on the embedded
default."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from typing import Any

import httpx

from tests.stack.conftest import Stack
from tests.support import Api, Server, Socket

APIS = 1
WORKERS = 1
SCANS = 50


async def door_token(api: Api) -> str:
    """A new account an admin made a door keeper, logged in again to carry the role."""
    email = f"door-{uuid.uuid4().hex[:10]}@tests.bolttickets.dev"
    registered = await api.http.post(
        "/api/auth/register", json={"email": email, "password": "door-password-1"}
    )
    assert registered.status_code == 201, registered.text
    changed = await api.http.put(
        f"/api/admin/users/{registered.json()['id']}/role",
        json={"role": "door"},
        headers=api.auth(await api.admin()),
    )
    assert changed.status_code == 200, changed.text
    return await api.token(email, "door-password-1")


async def paid_tickets(
    api: Api, quantity: int
) -> tuple[dict[str, Any], str, str, list[dict[str, Any]]]:
    """(event, buyer's token, booking id, tickets) of a booking paid with a test card."""
    event = await api.create_event([10])
    buyer = await api.new_buyer()
    booked = await api.book(buyer, event["ticket_types"][0]["id"], quantity)
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["booking_id"]
    await api.final_statuses([(buyer, booking_id)])
    reserved = await api.http.get(f"/api/bookings/{booking_id}/tickets", headers=api.auth(buyer))
    assert reserved.json() == []  # tickets come with the payment
    await api.pay(buyer, booking_id)
    listed = await api.http.get(f"/api/bookings/{booking_id}/tickets", headers=api.auth(buyer))
    assert listed.status_code == 200, listed.text
    assert listed.headers["cache-control"] == "private, no-store"
    return event, buyer, booking_id, listed.json()


async def check_in(api: Api, token: str, code: str) -> httpx.Response:
    return await api.http.post("/api/checkin", json={"code": code}, headers=api.auth(token))


async def tickets_from_booking_to_door(api: Api, server: Server) -> None:
    event, buyer, booking_id, tickets = await paid_tickets(api, 3)
    assert len(tickets) == 3 and len({t["code"] for t in tickets}) == 3
    assert {t["booking_id"] for t in tickets} == {booking_id}
    assert tickets[0]["event_name"] == event["name"] and tickets[0]["checked_in_at"] is None
    code = tickets[0]["code"]

    documents = {"qr.svg": b"<svg", "qr.png": b"\x89PNG", "ticket.pdf": b"%PDF"}
    for name, magic in documents.items():
        got = await api.http.get(f"/api/tickets/{code}/{name}", headers=api.auth(buyer))
        assert got.status_code == 200, got.text
        assert magic in got.content[:64], name
        assert got.headers["cache-control"] == "private, no-store"

    door = await door_token(api)
    watcher = await Socket.open(server)
    try:
        await watcher.send(type="subscribe", event_id=event["id"])
        await watcher.wait_for(lambda f: f.get("type") == "snapshot")
        first = await check_in(api, door, code)
        assert first.status_code == 200, first.text
        assert first.json()["event_id"] == event["id"]
        frame = await watcher.wait_for(lambda f: f.get("type") == "checkins", timeout=60)
        assert (frame["event_id"], frame["issued"], frame["checked_in"]) == (event["id"], 3, 1)
    finally:
        await watcher.close()

    again = await check_in(api, door, code)
    assert again.status_code == 409, again.text
    assert again.json()["type"] == "/problems/already-checked-in"
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    unknown = await check_in(api, door, "not-a-ticket-code")
    assert (unknown.status_code, unknown.json()["type"]) == (404, "/problems/unknown-ticket")

    counts = await api.http.get(f"/api/events/{event['id']}/checkins", headers=api.auth(door))
    assert counts.json() == {"event_id": event["id"], "issued": 3, "checked_in": 1}

    exported = await api.http.get(
        f"/api/events/{event['id']}/attendees.csv", headers=api.auth(await api.admin())
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["code"] for r in rows) == sorted(t["code"] for t in tickets)
    [scanned] = [r for r in rows if r["code"] == code]
    assert (scanned["status"], scanned["booking_id"]) == ("checked-in", booking_id)
    assert scanned["checked_in_at"] != "" and "@" in scanned["buyer_email"]

    refunded = await api.http.post(
        f"/api/bookings/{booking_id}/refund", headers=api.auth(await api.admin())
    )
    assert refunded.status_code == 200, refunded.text
    void = await check_in(api, door, tickets[1]["code"])
    assert (void.status_code, void.json()["type"]) == (409, "/problems/ticket-void")
    listed = await api.http.get(f"/api/bookings/{booking_id}/tickets", headers=api.auth(buyer))
    assert listed.json() == []


async def nobody_else_reads_a_ticket(api: Api) -> None:
    _, _, booking_id, [ticket] = await paid_tickets(api, 1)
    code = ticket["code"]
    other, door = await api.new_buyer(), await door_token(api)
    for token in (other, door):
        paths = [f"/api/bookings/{booking_id}/tickets"] + [
            f"/api/tickets/{code}/{name}" for name in ("qr.svg", "qr.png", "ticket.pdf")
        ]
        for path in paths:
            got = await api.http.get(path, headers=api.auth(token))
            assert got.status_code == 404, (path, got.text)
            assert code not in got.text


async def the_door_checks_in_but_reads_no_bookings(api: Api) -> None:
    event, _, booking_id, [ticket] = await paid_tickets(api, 1)
    door = await door_token(api)
    assert (await check_in(api, door, ticket["code"])).status_code == 200
    booking = await api.http.get(f"/api/bookings/{booking_id}", headers=api.auth(door))
    assert booking.status_code == 404, booking.text
    of_event = await api.http.get(f"/api/events/{event['id']}/bookings", headers=api.auth(door))
    assert of_event.status_code == 403, of_event.text
    export = await api.http.get(f"/api/events/{event['id']}/attendees.csv", headers=api.auth(door))
    assert export.status_code == 403, export.text
    customer = await api.new_buyer()
    assert (await check_in(api, customer, ticket["code"])).status_code == 403


async def concurrent_scans_admit_once(api: Api) -> None:
    _, _, _, [ticket] = await paid_tickets(api, 1)
    door = await door_token(api)
    answers = await asyncio.gather(*(check_in(api, door, ticket["code"]) for _ in range(SCANS)))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (SCANS - 1), statuses
    [admitted] = [a.json() for a in answers if a.status_code == 200]
    refused = {a.json()["checked_in_at"] for a in answers if a.status_code == 409}
    assert refused == {admitted["checked_in_at"]}
    assert {a.json()["type"] for a in answers if a.status_code == 409} == {
        "/problems/already-checked-in"
    }


async def test_tickets_go_from_booking_to_door(stack: Stack, api: Api) -> None:
    await tickets_from_booking_to_door(api, stack.apis[0])


async def test_nobody_but_the_owner_reads_a_ticket(api: Api) -> None:
    await nobody_else_reads_a_ticket(api)


async def test_the_door_checks_in_but_reads_no_bookings(api: Api) -> None:
    await the_door_checks_in_but_reads_no_bookings(api)


async def test_fifty_concurrent_scans_of_one_code_admit_it_once(api: Api) -> None:
    await concurrent_scans_admit_once(api)
