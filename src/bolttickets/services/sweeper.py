"""Holds that never reached the queue (a failed or lost produce) are sent again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bolttickets.services.ports import BookingQueue, Clock, StockStore


async def resend_stale_holds(
    stock: StockStore, queue: BookingQueue, clock: Clock, older_than: timedelta, limit: int = 1000
) -> int:
    """Send every hold not sent for ``older_than`` again; the worker drops the duplicates.

    Returns how many were sent. A hold whose send fails stays and is tried next time.
    """
    now = clock.now()
    holds = await stock.claim_stale_holds(now - older_than, now, limit)
    results = await asyncio.gather(*(queue.send(h) for h in holds), return_exceptions=True)
    return sum(1 for r in results if not isinstance(r, BaseException))
