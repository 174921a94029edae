from __future__ import annotations

import asyncio
import uuid

from tests.support import Api, Server, booking_status_counts


async def test_one_key_sent_five_times_at_once_books_once(server: Server, api: Api) -> None:
    event = await api.create_event([10])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    key = str(uuid.uuid4())
    responses = await asyncio.gather(*(api.book(token, tt, 2, key) for _ in range(5)))
    assert {r.status_code for r in responses} == {202}
    ids = {r.json()["booking_id"] for r in responses}
    assert len(ids) == 1
    [booking_id] = ids
    assert (await api.final_statuses([(token, booking_id)]))[booking_id] == "reserved"
    assert booking_status_counts(server, tt) == {"reserved": 1}
    assert (await api.remaining(event["id"]))[tt] == 8

    again = await api.book(token, tt, 2, key)
    assert (again.status_code, again.json()["booking_id"]) == (202, booking_id)
    assert again.json()["status"] == "reserved"


async def test_the_same_key_with_another_body_is_refused(server: Server, api: Api) -> None:
    event = await api.create_event([10])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    assert (await api.book(token, tt, 1, "reused")).status_code == 202
    response = await api.book(token, tt, 3, "reused")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


async def test_a_key_is_the_users_whatever_the_ticket_type(server: Server, api: Api) -> None:
    event = await api.create_event([10, 1], per_user_limit=1)
    tt, other = (t["id"] for t in event["ticket_types"])
    token = await api.new_buyer()
    first = await api.book(token, tt, 1, "one-intent")
    booking_id = first.json()["booking_id"]
    assert (await api.final_statuses([(token, booking_id)]))[booking_id] == "reserved"

    reused = await api.book(token, other, 1, "one-intent")
    assert reused.status_code == 422, reused.text
    assert reused.json()["type"] == "/problems/idempotency-key-reused"
    assert (await api.remaining(event["id"]))[other] == 1
    assert (await api.booking(token, booking_id))["ticket_type_id"] == tt
    assert (await api.book(token, tt, 2, "one-intent")).status_code == 422

    mine = await api.book(token, other, 1, "another-intent")
    assert mine.status_code == 202, mine.text
    bought = mine.json()["booking_id"]
    assert (await api.final_statuses([(token, bought)]))[bought] == "reserved"
    assert booking_status_counts(server, other) == {"reserved": 1}


async def test_keys_belong_to_their_user(server: Server, api: Api) -> None:
    event = await api.create_event([10])
    tt = event["ticket_types"][0]["id"]
    alice, bob = await api.buyers(2)
    a = await api.book(alice, tt, 1, "shared-key")
    b = await api.book(bob, tt, 1, "shared-key")
    assert a.json()["booking_id"] != b.json()["booking_id"]


async def test_the_same_key_after_a_restart_finds_the_same_booking(
    server: Server, api: Api
) -> None:
    event = await api.create_event([10])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    first = await api.book(token, tt, 1, "across-restarts")
    booking_id = first.json()["booking_id"]
    await api.final_statuses([(token, booking_id)])

    server.stop()
    await server.start()

    again = await api.book(token, tt, 1, "across-restarts")
    assert (again.status_code, again.json()["booking_id"]) == (202, booking_id)
    assert booking_status_counts(server, tt) == {"reserved": 1}
    assert (await api.book(token, tt, 2, "across-restarts")).status_code == 422
