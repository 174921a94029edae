from __future__ import annotations

from tests.support import Api, Server

# A pending booking's 409 needs a worker frozen under it: tests/stack/test_cancel.py, since
# the embedded worker runs inside the API's process.


async def test_cancelling_twice_releases_the_tickets_once(server: Server, api: Api) -> None:
    event = await api.create_event([5])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    booking_id = (await api.book(token, tt, 2)).json()["booking_id"]
    await api.final_statuses([(token, booking_id)])
    assert (await api.remaining(event["id"]))[tt] == 3
    for _ in range(2):
        response = await api.http.post(
            f"/api/bookings/{booking_id}/cancel", headers=api.auth(token)
        )
        assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert (await api.remaining(event["id"]))[tt] == 5
    [(sold,)] = server.query("SELECT sold FROM ticket_types WHERE id = ?", tt.replace("-", ""))
    assert sold == 0


async def test_a_rejected_booking_cannot_be_cancelled(server: Server, api: Api) -> None:
    event = await api.create_event([1])
    tt = event["ticket_types"][0]["id"]
    alice, bob = await api.buyers(2)
    first = (await api.book(alice, tt, 1)).json()["booking_id"]
    await api.final_statuses([(alice, first)])
    assert (await api.book(bob, tt, 1)).json()["type"] == "/problems/sold-out"
    cancel = await api.http.post(f"/api/bookings/{first}/cancel", headers=api.auth(bob))
    assert cancel.status_code == 404  # someone else's booking does not exist for bob
