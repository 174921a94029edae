"""A real Jaeger v2, for the tracing tests and the bench's traced sale: started on free
ports on 127.0.0.1 with ``jaeger.yaml``, queried through its HTTP API as its UI queries it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support import free_port, start_server, stop_process

CONFIG = Path(__file__).with_name("jaeger.yaml")


@dataclass
class Jaeger:
    binary: str
    workdir: Path
    ports: dict[str, int] = field(
        default_factory=lambda: {
            name: free_port() for name in ("OTLP_HTTP", "QUERY", "QUERY_GRPC", "HEALTH", "METRICS")
        }
    )
    process: subprocess.Popen[bytes] | None = None

    @property
    def otlp_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['OTLP_HTTP']}"

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['QUERY']}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "jaeger.log"

    async def start(self) -> None:
        self.process = await start_server(
            [self.binary, "--config", str(CONFIG)],
            log=self.log_path,
            ready=f"http://127.0.0.1:{self.ports['HEALTH']}/status",
            env=os.environ
            | {f"JAEGER_{name}_PORT": str(port) for name, port in self.ports.items()},
        )

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    async def traces(
        self, service: str, operation: str, *, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The traces holding a span of ``service`` named ``operation``, in Jaeger's JSON."""
        async with httpx.AsyncClient(base_url=self.query_url, timeout=60) as client:
            response = await client.get(
                "/api/traces",
                params={
                    "service": service,
                    "operation": operation,
                    "lookback": "1h",
                    "limit": limit,
                },
            )
        if response.status_code == 404:  # the service sent nothing yet
            return []
        response.raise_for_status()
        traces: list[dict[str, Any]] = response.json()["data"] or []
        return traces
