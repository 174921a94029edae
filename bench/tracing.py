"""``python -m bench sale --tracing``: the sale with its processes' traces exported to a
real Jaeger, at the sampling ratio a deployment gets by default; against the same sale
without, it prices tracing."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.observability.jaeger import Jaeger

TOOLS_BIN = Path(__file__).resolve().parents[1] / "var" / "tools" / "bin"
TRACED_ROUTE = "POST /api/bookings"
# Jaeger searches fewer traces than its store keeps (max_traces in jaeger.yaml); a 1 %
# sample of a sale on one API stays below it.
SEARCH_DEPTH = 9_999


class JaegerMissing(RuntimeError):
    pass


@dataclass
class Traces:
    """Where the system sends its traces, while it runs."""

    jaeger: Jaeger | None

    @property
    def env(self) -> dict[str, str]:
        """The system's settings: the collector, and the product's default sampling ratio."""
        return {} if self.jaeger is None else {"BOLT_OTLP_ENDPOINT": self.jaeger.otlp_url}

    async def bookings_traced(self) -> int | None:
        """How many bookings Jaeger holds a trace of (None when not tracing)."""
        if self.jaeger is None:
            return None
        return len(await self.jaeger.traces("bolttickets-api", TRACED_ROUTE, limit=SEARCH_DEPTH))


@contextlib.asynccontextmanager
async def collected(enabled: bool, workdir: Path) -> AsyncIterator[Traces]:
    """A Jaeger of the run's own when ``enabled``, stopped on exit."""
    if not enabled:
        yield Traces(None)
        return
    binary = shutil.which("jaeger", path=str(TOOLS_BIN)) or shutil.which("jaeger")
    if binary is None:
        raise JaegerMissing("--tracing needs Jaeger: run `scripts/tools install jaeger`")
    jaeger = Jaeger(binary, workdir)
    try:
        await jaeger.start()
        yield Traces(jaeger)
    finally:
        jaeger.stop()
