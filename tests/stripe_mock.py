"""A real stripe-mock (Stripe's API from its OpenAPI specification, validating every call)
for the Stripe adapter's tests: started on free ports on 127.0.0.1, stopped with the
process helper every test server uses."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import free_port, start_server, stop_process

API_KEY = "sk_test_bolttickets"


@dataclass
class StripeMock:
    binary: str
    workdir: Path
    port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    """Unused, but stripe-mock always serves HTTPS too: kept off its shared default port."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "stripe-mock.log"

    async def start(self) -> None:
        self.process = await start_server(
            [
                *(self.binary, "-http-addr", f"127.0.0.1:{self.port}"),
                *("-https-addr", f"127.0.0.1:{self.https_port}"),
            ],
            log=self.log_path,
            ready=f"{self.url}/v1/balance",
            auth=(API_KEY, ""),
        )

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
