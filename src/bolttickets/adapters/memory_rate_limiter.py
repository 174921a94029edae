"""GCRA rate limits in one process's memory, for the embedded default.

The same arithmetic as ``redis_scripts/gcra.lua``, in the same integer microseconds; the
contract suite (``tests/contract/test_rate_limiter.py``) holds both to the same answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bolttickets.services.ports import Quota, Rate

# Expired entries are dropped whenever the table has doubled since the last sweep, so its
# size stays within twice the clients seen in the longest period.
_FIRST_SWEEP_AT = 10_000


def _monotonic_us() -> int:
    return time.monotonic_ns() // 1000


class MemoryRateLimiter:
    def __init__(self, clock_us: Callable[[], int] = _monotonic_us) -> None:
        self._clock_us = clock_us
        self._tats: dict[str, int] = {}
        """key -> its theoretical arrival time: when its allowance is whole again."""
        self._sweep_at = _FIRST_SWEEP_AT

    async def acquire(self, key: str, rate: Rate) -> Quota:
        now = self._clock_us()
        tat = max(self._tats.get(key, now), now) + rate.interval_us
        ahead = tat - now
        if ahead > rate.period_us:
            return Quota(False, 0, (ahead - rate.period_us) / 1_000_000)
        self._tats[key] = tat
        if len(self._tats) >= self._sweep_at:
            self._sweep(now)
        return Quota(True, (rate.period_us - ahead) // rate.interval_us, 0.0)

    def _sweep(self, now: int) -> None:
        self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
        self._sweep_at = max(_FIRST_SWEEP_AT, 2 * len(self._tats))
