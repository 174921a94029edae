"""Health checks: each is a coroutine that raises when its dependency does not answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

HealthCheck = Callable[[], Awaitable[None]]


async def probe(checks: Mapping[str, HealthCheck], timeout: float) -> dict[str, str]:
    """Run every check at once: ``"ok"`` or ``"unavailable: <why>"`` for each, by name."""
    results = await asyncio.gather(
        *(asyncio.wait_for(check(), timeout) for check in checks.values()),
        return_exceptions=True,
    )
    return {
        name: "ok" if not isinstance(result, BaseException) else f"unavailable: {result!r}"
        for name, result in zip(checks, results, strict=True)
    }
