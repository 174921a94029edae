"""Shared steps of the fault tests: a sale in flight, and checks of the four invariants."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from tests.stack.conftest import Stack
from tests.support import Api, eventually


@dataclass
class Sale:
    event_id: str
    ticket_type_id: str
    capacity: int
    accepted: list[tuple[str, str]]
    """(token, booking id) of every request answered 202."""

    async def unconfirmed(self, stack: Stack) -> int:
        """Accepted bookings the database does not hold yet."""
        return len(self.accepted) - sum((await stack.counts(self.ticket_type_id)).values())


async def start_sale(
    api: Api,
    capacity: int,
    buyers: int,
    *,
    per_user_limit: int | None = None,
    key_prefix: str = "sale",
    payment_window_seconds: int | None = None,
) -> tuple[Sale, list[str]]:
    """Buyers each try once (with a key); returns the sale and the buyers' tokens."""
    event = await api.create_event(
        [capacity], per_user_limit=per_user_limit, payment_window_seconds=payment_window_seconds
    )
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(buyers)
    responses = await asyncio.gather(
        *(api.book(t, tt, 1, f"{key_prefix}-{i}") for i, t in enumerate(tokens))
    )
    accepted = [
        (tokens[i], r.json()["booking_id"]) for i, r in enumerate(responses) if r.status_code == 202
    ]
    return Sale(event["id"], tt, capacity, accepted), tokens


async def buy_more(api: Api, sale: Sale, tokens: list[str], prefix: str) -> None:
    responses = await asyncio.gather(
        *(api.book(t, sale.ticket_type_id, 1, f"{prefix}-{i}") for i, t in enumerate(tokens))
    )
    assert {r.status_code for r in responses} <= {202, 409}
    sale.accepted += [
        (tokens[i], r.json()["booking_id"]) for i, r in enumerate(responses) if r.status_code == 202
    ]


async def per_user_maximum(stack: Stack, sale: Sale) -> int:
    rows = await stack.sql(
        "SELECT COALESCE(MAX(n), 0) AS most FROM (SELECT SUM(quantity) AS n FROM bookings "
        "WHERE status IN ('reserved', 'paid') AND ticket_type_id = $1 GROUP BY user_id) t",
        uuid.UUID(sale.ticket_type_id),
    )
    return int(rows[0]["most"])


async def assert_invariants(
    stack: Stack, api: Api, sale: Sale, *, sold_out: bool, holds_lost: bool = False
) -> None:
    """No loss, no duplicates, no oversell, and the stock converged."""
    statuses = await api.final_statuses(sale.accepted, timeout=90, holds_lost=holds_lost)
    assert set(statuses.values()) <= {"reserved", "rejected"}
    counts = await stack.counts(sale.ticket_type_id)
    confirmed = counts.get("reserved", 0)
    assert "pending" not in counts
    assert confirmed <= sale.capacity
    if sold_out:
        assert confirmed == sale.capacity
    assert await stack.sold(sale.ticket_type_id) == confirmed
    distinct = await stack.sql(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM bookings WHERE ticket_type_id = $1",
        uuid.UUID(sale.ticket_type_id),
    )
    assert distinct[0]["n"] == distinct[0]["d"]

    async def remaining() -> int:
        return (await api.remaining(sale.event_id))[sale.ticket_type_id]

    await eventually(remaining, lambda r: r == sale.capacity - confirmed, timeout=60)
