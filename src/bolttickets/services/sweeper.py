"""Holds that never reached the queue (a failed or lost produce) are sent again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import structlog

from bolttickets.services.ports import BookingQueue, Clock, StockStore, UnitOfWorkFactory

log = structlog.get_logger("bolttickets.sweeper")


@dataclass(frozen=True, slots=True)
class Swept:
    sent: int
    """Holds sent again."""
    foreign: int
    """Ticket types with holds that this database does not know, left alone."""


async def resend_stale_holds(
    uow: UnitOfWorkFactory,
    stock: StockStore,
    queue: BookingQueue,
    clock: Clock,
    older_than: timedelta,
    limit: int = 1000,
) -> Swept:
    """Send every hold not sent for ``older_than`` again; the worker drops the duplicates.

    Only holds of ticket types this database knows: a stock store shared with another
    deployment (or left behind by an earlier run) may hold others, and a request the
    database cannot store would never be applied. Those are logged, never sent.

    A hold whose send fails stays and is tried next time.
    """
    held = await stock.ticket_types()
    async with uow() as unit:
        known = await unit.events.known_ticket_types(held)
    foreign = [tt for tt in held if tt not in known]
    if foreign:
        log.warning("foreign_holds_skipped", ticket_types=len(foreign), first=str(foreign[0]))
    now = clock.now()
    holds = await stock.claim_stale_holds(
        now - older_than, now, limit, [tt for tt in held if tt in known]
    )
    results = await asyncio.gather(*(queue.send(h) for h in holds), return_exceptions=True)
    return Swept(sum(1 for r in results if not isinstance(r, BaseException)), len(foreign))
