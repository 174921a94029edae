"""GCRA rate limits in Redis, shared by every API process: one Lua call per request and
policy (``redis_scripts/gcra.lua``), under ``<namespace>:rate:<policy>:<client>``.

A Redis that does not answer lets the request through: the limits defend the sale, and
must not stop it on their own; a booking then meets the stock's own 503.
"""

from __future__ import annotations

import structlog

from bolttickets.adapters.redis_autopipeline import AutoPipeline
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import script_text, unavailable_as_domain
from bolttickets.domain.errors import StockUnavailable
from bolttickets.observability.throttled import ThrottledLog
from bolttickets.services.ports import Quota, Rate

_UNLIMITED = Quota(True, 0, 0.0)


class RedisRateLimiter:
    def __init__(self, client: RedisClient, namespace: str = "bolt") -> None:
        self._redis = client
        self._hot = AutoPipeline(client)
        self._prefix = f"{namespace}:rate:"
        self._script = client.register_script(script_text("lib") + script_text("gcra"))
        self._failures = ThrottledLog(structlog.get_logger("bolttickets.rate_limits"), 10.0)

    async def start(self) -> None:
        await self._redis.script_load(self._script.script)

    async def acquire(self, key: str, rate: Rate) -> Quota:
        try:
            allowed, remaining, retry_us = await self._gcra(key, rate)
        except StockUnavailable as exc:
            self._failures.log("warning", "unavailable", "rate_limit_skipped", error=str(exc))
            return _UNLIMITED
        return Quota(allowed == 1, remaining, retry_us / 1_000_000)

    @unavailable_as_domain
    async def _gcra(self, key: str, rate: Rate) -> list[int]:
        reply: list[int] = await self._hot.evalsha(
            self._script.sha,
            self._script.script,
            [self._prefix + key],
            [rate.interval_us, rate.period_us],
        )
        return reply
