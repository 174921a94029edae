"""Checkout over HTTP on the embedded server: reserve, pay with a test card, refund, and
a reservation that runs out, each told live to its buyer."""

from __future__ import annotations

from tests.support import Api, Server, Socket

SERVER_ENV = {"BOLT_EXPIRE_EVERY_SECONDS": "0.5"}
PAYS, DECLINED = "4242424242424242", "4000000000000002"


async def test_a_reservation_paid_with_a_test_card_then_refunded(server: Server, api: Api) -> None:
    event = await api.create_event([3])
    tt = event["ticket_types"][0]["id"]
    assert event["payment_window_seconds"] == 600 and event["refunds_until"] is None
    token = await api.new_buyer()
    booking_id = (await api.book(token, tt, 2)).json()["booking_id"]
    await api.final_statuses([(token, booking_id)])
    reserved = await api.booking(token, booking_id)
    assert reserved["status"] == "reserved" and reserved["expires_at"] is not None
    socket = await Socket.open(server)
    await socket.send(type="auth", token=token)
    await socket.wait_for(lambda f: f["type"] == "authenticated")

    checkout = await api.http.post(
        f"/api/bookings/{booking_id}/checkout", json={"provider": "test"}, headers=api.auth(token)
    )
    assert checkout.status_code == 200, checkout.text
    payment_id = checkout.json()["payment_id"]
    assert checkout.json()["redirect_url"] == f"/pay/test/{payment_id}"
    declined = await api.http.post(
        f"/api/payments/test/{payment_id}", json={"card_number": DECLINED}
    )
    assert declined.json() == {"payment_id": payment_id, "outcome": "failed"}
    paid = await api.http.post(f"/api/payments/test/{payment_id}", json={"card_number": PAYS})
    assert paid.json() == {"payment_id": payment_id, "outcome": "succeeded"}

    await socket.wait_for(lambda f: f.get("booking_id") == booking_id and f["status"] == "paid")
    booking = await api.booking(token, booking_id)
    assert (booking["status"], booking["payment_id"], booking["expires_at"]) == (
        "paid",
        payment_id,
        None,
    )
    again = await api.http.post(
        f"/api/bookings/{booking_id}/checkout", json={"provider": "test"}, headers=api.auth(token)
    )
    assert (again.status_code, again.json()["type"]) == (409, "/problems/booking-not-reserved")
    admin = await api.admin()
    listed = await api.http.get(
        f"/api/events/{event['id']}/bookings", params={"status": "paid"}, headers=api.auth(admin)
    )
    assert [b["id"] for b in listed.json()["items"]] == [booking_id]

    # No refund window: only the organiser or an admin refunds.
    refused = await api.http.post(f"/api/bookings/{booking_id}/refund", headers=api.auth(token))
    assert (refused.status_code, refused.json()["type"]) == (403, "/problems/refund-window-closed")
    refunded = await api.http.post(f"/api/bookings/{booking_id}/refund", headers=api.auth(admin))
    assert (refunded.status_code, refunded.json()["status"]) == (200, "refunded")
    await socket.wait_for(lambda f: f.get("booking_id") == booking_id and f["status"] == "refunded")
    assert (await api.remaining(event["id"]))[tt] == 3
    await socket.close()


async def test_an_unpaid_reservation_expires_and_its_tickets_return(
    server: Server, api: Api
) -> None:
    admin = await api.admin()
    created = await api.http.post(
        "/api/events",
        json={
            "name": "Short window",
            "venue": "Hall",
            "starts_at": "2099-01-01T20:00:00Z",
            "ticket_types": [{"name": "GA", "price_cents": 500, "capacity": 1}],
            "payment_window_seconds": 10,
        },
        headers=api.auth(admin),
    )
    assert created.status_code == 201, created.text
    event = created.json()
    tt = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    socket = await Socket.open(server)
    await socket.send(type="auth", token=token)
    await socket.wait_for(lambda f: f["type"] == "authenticated")
    booking_id = (await api.book(token, tt, 1)).json()["booking_id"]

    reserved = await socket.wait_for(
        lambda f: f.get("booking_id") == booking_id and f["status"] == "reserved"
    )
    assert reserved["expires_at"] is not None
    await socket.wait_for(
        lambda f: f.get("booking_id") == booking_id and f["status"] == "expired", timeout=90
    )
    assert (await api.booking(token, booking_id))["status"] == "expired"
    assert (await api.remaining(event["id"]))[tt] == 1
    late = await api.http.post(
        f"/api/bookings/{booking_id}/checkout", json={"provider": "test"}, headers=api.auth(token)
    )
    assert late.status_code == 409
    await socket.close()


async def test_a_payment_window_under_ten_seconds_is_refused(api: Api) -> None:
    admin = await api.admin()
    response = await api.http.post(
        "/api/events",
        json={
            "name": "Too short",
            "venue": "Hall",
            "starts_at": "2099-01-01T20:00:00Z",
            "ticket_types": [{"name": "GA", "price_cents": 500, "capacity": 1}],
            "payment_window_seconds": 9,
        },
        headers=api.auth(admin),
    )
    assert (response.status_code, response.json()["type"]) == (422, "/problems/validation-error")


async def test_the_stripe_webhook_is_refused_where_stripe_is_not_enabled(api: Api) -> None:
    response = await api.http.post(
        "/api/payments/stripe/webhook", content=b"{}", headers={"Stripe-Signature": "t=1,v1=0"}
    )
    assert response.status_code == 422
