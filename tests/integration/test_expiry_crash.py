"""The embedded default's twin of tests/stack/test_expiry_crash.py: reservations left
unpaid while the one process that expires them is SIGKILLed and restarted — each expires
once, the stock comes back exactly, every buyer may buy again."""

from __future__ import annotations

import asyncio

from tests.support import Api, Server, booking_status_counts, eventually

SERVER_ENV = {"BOLT_EXPIRE_EVERY_SECONDS": "0.5"}
RESERVATIONS = 60
WINDOW = 10  # the shortest payment window an event may have


async def test_a_server_killed_while_expiring_reservations_loses_and_doubles_nothing(
    server: Server, api: Api
) -> None:
    event = await api.create_event([RESERVATIONS], per_user_limit=1, payment_window_seconds=WINDOW)
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(RESERVATIONS)
    responses = await asyncio.gather(
        *(api.book(t, tt, 1, f"unpaid-{i}") for i, t in enumerate(tokens))
    )
    accepted = [(t, r.json()["booking_id"]) for t, r in zip(tokens, responses, strict=True)]
    assert all(r.status_code == 202 for r in responses)
    statuses = await api.final_statuses(accepted, timeout=120)
    assert set(statuses.values()) <= {"reserved", "expired"}

    # Killed once expiry has begun: some expired, on a quick machine some still reserved.
    cut_at = await eventually(
        lambda: asyncio.to_thread(booking_status_counts, server, tt),
        lambda counts: counts.get("expired", 0) > 0,
        timeout=120,
    )
    server.kill()
    print(f"server killed at about {cut_at}")
    await server.start()

    counts = await eventually(
        lambda: asyncio.to_thread(booking_status_counts, server, tt),
        lambda counts: counts == {"expired": RESERVATIONS},
        timeout=120,
    )
    assert counts == {"expired": RESERVATIONS}
    [(sold,)] = server.query("SELECT sold FROM ticket_types WHERE id = ?", tt.replace("-", ""))
    assert sold == 0
    await eventually(
        lambda: api.remaining(event["id"]), lambda left: left[tt] == RESERVATIONS, timeout=90
    )
    # Every buyer's own count (limit 1) came back too: each may buy their ticket again.
    again = [await api.book(t, tt, 1, f"again-{i}") for i, t in enumerate(tokens)]
    assert [r.status_code for r in again] == [202] * RESERVATIONS
