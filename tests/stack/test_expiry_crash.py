"""Reservations left unpaid while the worker that expires them is SIGKILLed and
restarted: each expires once, the stock comes back exactly, the invariants hold."""

from __future__ import annotations

import uuid

from tests.stack.conftest import Stack
from tests.stack.faults import start_sale
from tests.support import Api, eventually

APIS = 1
WORKERS = 1
STACK_ENV = {"BOLT_EXPIRE_EVERY_SECONDS": "0.5"}
RESERVATIONS = 200
WINDOW = 10  # the shortest payment window an event may have


async def test_a_worker_killed_while_expiring_reservations_loses_and_doubles_nothing(
    stack: Stack, api: Api
) -> None:
    [worker] = stack.workers
    sale, _ = await start_sale(
        api,
        capacity=RESERVATIONS,
        buyers=RESERVATIONS,
        per_user_limit=1,
        payment_window_seconds=WINDOW,
    )
    assert len(sale.accepted) == RESERVATIONS
    statuses = await api.final_statuses(sale.accepted, timeout=120)
    # On a slow machine the first may have expired already by the time all are decided.
    assert set(statuses.values()) <= {"reserved", "expired"}

    # Killed while expired bookings wait for their give-back to Redis: after the
    # commit that expired them, before their buyers' counts and the stock have them.
    await eventually(
        lambda: _pending_releases(stack, sale.ticket_type_id), lambda n: n > 0, timeout=120
    )
    worker.kill()
    cut_at = await stack.counts(sale.ticket_type_id)
    pending = await _pending_releases(stack, sale.ticket_type_id)
    print(f"worker killed at {cut_at}, {pending} give-backs pending")
    await worker.start()

    counts = await eventually(
        lambda: stack.counts(sale.ticket_type_id),
        lambda counts: counts == {"expired": RESERVATIONS},
        timeout=120,
    )
    assert counts == {"expired": RESERVATIONS}
    assert await stack.sold(sale.ticket_type_id) == 0
    await eventually(
        lambda: _pending_releases(stack, sale.ticket_type_id), lambda n: n == 0, timeout=90
    )
    await eventually(
        lambda: api.remaining(sale.event_id),
        lambda remaining: remaining[sale.ticket_type_id] == RESERVATIONS,
        timeout=90,
    )
    # Every buyer's own count (limit 1) came back too: each may buy their ticket again.
    again = await start_sale_again(api, sale.ticket_type_id, sale.accepted)
    assert again == RESERVATIONS


async def _pending_releases(stack: Stack, ticket_type_id: str) -> int:
    [row] = await stack.sql(
        "SELECT COUNT(*) AS n FROM bookings WHERE ticket_type_id = $1 AND release_pending",
        uuid.UUID(ticket_type_id),
    )
    return int(row["n"])


async def start_sale_again(api: Api, ticket_type_id: str, buyers: list[tuple[str, str]]) -> int:
    """How many of the buyers are admitted when each asks for their one ticket again."""
    admitted = 0
    for i, (token, _) in enumerate(buyers):
        response = await api.book(token, ticket_type_id, 1, f"again-{i}")
        admitted += response.status_code == 202
    return admitted
