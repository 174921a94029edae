"""Cancelling on the full stack: a booking the worker has not decided cannot be cancelled,
and once confirmed it is cancelled once, however often the cancel is retried."""

from __future__ import annotations

from tests.stack.conftest import Stack
from tests.support import Api

APIS = 1
WORKERS = 1


async def test_a_pending_booking_cannot_be_cancelled_until_it_is_confirmed(
    stack: Stack, api: Api
) -> None:
    [worker] = stack.workers
    event = await api.create_event([5])
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    worker.pause()  # SIGSTOP: the booking is admitted and stays pending
    try:
        booking_id = (await api.book(token, tt, 2)).json()["booking_id"]
        pending = await api.http.post(f"/api/bookings/{booking_id}/cancel", headers=api.auth(token))
        assert pending.status_code == 409
        assert pending.json()["type"] == "/problems/booking-not-cancellable"
        assert await stack.counts(tt) == {}  # still only a hold: the worker is frozen
    finally:
        worker.resume()

    assert await api.final_statuses([(token, booking_id)]) == {booking_id: "reserved"}
    for _ in range(2):
        response = await api.http.post(
            f"/api/bookings/{booking_id}/cancel", headers=api.auth(token)
        )
        assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert (await api.remaining(event["id"]))[tt] == 5
    assert await stack.sold(tt) == 0
