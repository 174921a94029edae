"""A real stripe-mock (Stripe's API from its OpenAPI specification, validating every call)
for the Stripe adapter's tests: started on free ports on 127.0.0.1, stopped with the
process helper every test server uses."""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import eventually, free_port, stop_process

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
        self.process = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block
            [
                *(self.binary, "-http-addr", f"127.0.0.1:{self.port}"),
                *("-https-addr", f"127.0.0.1:{self.https_port}"),
            ],
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
        async with httpx.AsyncClient(base_url=self.url, auth=(API_KEY, "")) as client:

            async def status() -> int:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(f"stripe-mock exited: {self.log_path.read_text()}")
                with contextlib.suppress(httpx.TransportError):
                    return (await client.get("/v1/balance")).status_code
                return 0

            await eventually(status, lambda code: code == 200, timeout=60)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
