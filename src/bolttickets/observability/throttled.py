"""A log line per kind and interval at most: during a sell-out, thousands of identical
refusals a second would otherwise be the log's whole content (and its cost)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class ThrottledLog:
    """Logs the first line of a kind, then at most one per ``interval`` seconds; the lines
    held back meanwhile are counted, and the next line of that kind says how many
    (``suppressed``). Kinds must be a bounded set (refusal classes, not users)."""

    def __init__(
        self, logger: Any, interval: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._next_at: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def log(self, level: str, kind: str, event: str, **fields: Any) -> bool:
        """Log ``event`` at ``level`` unless a line of ``kind`` went out less than an
        interval ago; returns whether it was logged."""
        now = self._clock()
        if now < self._next_at.get(kind, now):
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return False
        self._next_at[kind] = now + self._interval
        getattr(self._logger, level)(event, suppressed=self._suppressed.pop(kind, 0), **fields)
        return True
