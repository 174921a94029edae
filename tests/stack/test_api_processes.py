"""``bolttickets serve --processes 2``: two API processes on one port, both answering,
selling without oversell, one that dies started again, all stopped by one SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.stack.conftest import Stack
from tests.support import Api, Server, eventually, free_port

APIS = 1
WORKERS = 1
PROCESSES = 2
CAPACITY = 20
BUYERS = 30


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports: one internal port per process."""
    while True:
        first = free_port()
        try:
            with contextlib.ExitStack() as bound:
                for port in range(first, first + count):
                    bound.enter_context(socket.create_server(("127.0.0.1", port)))
        except OSError:
            continue
        return first


@dataclass
class Supervised(Server):
    metrics_port: int = field(default_factory=lambda: _free_ports(PROCESSES))

    def command(self) -> list[str]:
        return [*super().command(), "--processes", str(PROCESSES)]

    def internal_url(self, index: int) -> str:
        """Process ``index`` serves its internal port on --metrics-port + index."""
        return f"http://127.0.0.1:{self.metrics_port + index}"

    def api_pids(self) -> set[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = {int(pid) for pid in children.read_text().split()}
        # multiprocessing's own helper (its resource tracker) is a child too.
        return {pid for pid in pids if b"resource_tracker" not in _cmdline(pid)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


async def _requests_counted(url: str) -> float:
    """The public requests this process answered, from its own /metrics."""
    async with httpx.AsyncClient(timeout=60) as client:
        text = (await client.get(f"{url}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("bolttickets_http_requests_total{") and "/api/events" in line
    )


async def _ready(url: str) -> int:
    async with httpx.AsyncClient(timeout=60) as client:
        try:
            return (await client.get(f"{url}/health/ready")).status_code
        except httpx.TransportError:
            return 0


async def test_two_processes_share_one_port_and_sell_without_oversell(stack: Stack) -> None:
    server = Supervised(stack.workdir, dict(stack.env), name="api-processes")
    await server.start()
    try:
        assert len(server.api_pids()) == PROCESSES
        # The public port answers once the first process does; the others follow.
        for index in range(PROCESSES):
            await eventually(
                lambda i=index: _ready(server.internal_url(i)), lambda s: s == 200, timeout=120
            )

        # A new connection each: the kernel spreads connections, not requests.
        async with httpx.AsyncClient(base_url=server.url, limits=httpx.Limits(
            max_keepalive_connections=0), timeout=60) as fresh:  # fmt: skip
            for _ in range(40):
                assert (await fresh.get("/api/events")).status_code == 200
        counted = [await _requests_counted(server.internal_url(i)) for i in range(PROCESSES)]
        assert all(count > 0 for count in counted), counted
        assert sum(counted) >= 40

        api = Api(server)
        try:
            event = await api.create_event([CAPACITY])
            ticket_type = event["ticket_types"][0]["id"]
            buyers = await api.buyers(BUYERS)
            responses = await asyncio.gather(
                *(api.book(token, ticket_type, 1, f"k-{i}") for i, token in enumerate(buyers))
            )
            assert {r.status_code for r in responses} <= {202, 409}
            accepted = [
                (buyers[i], r.json()["booking_id"])
                for i, r in enumerate(responses)
                if r.status_code == 202
            ]
            statuses = await api.final_statuses(accepted)
            assert list(statuses.values()).count("reserved") == CAPACITY
            assert set(statuses.values()) <= {"reserved", "rejected"}
            counts = await stack.counts(ticket_type)
            assert counts.get("reserved") == CAPACITY and "pending" not in counts
            assert await stack.sold(ticket_type) == CAPACITY
            assert (await api.remaining(event["id"]))[ticket_type] == 0
        finally:
            await api.close()
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode == 0, server.log_tail()


async def test_a_process_that_dies_is_started_again_and_sigterm_stops_all(
    stack: Stack,
) -> None:
    server = Supervised(stack.workdir, dict(stack.env), name="api-restarts")
    await server.start()
    try:
        before = server.api_pids()
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        after = await eventually(
            lambda: asyncio.to_thread(server.api_pids),
            lambda pids: len(pids) == PROCESSES and victim not in pids,
            timeout=120,
        )
        for index in range(PROCESSES):
            await eventually(
                lambda i=index: _ready(server.internal_url(i)), lambda s: s == 200, timeout=120
            )
        assert f"(pid {victim}) exited" in server.log_path.read_text(), server.log_tail()
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode == 0, server.log_tail()
    for pid in after:
        assert not _cmdline(pid), f"API process {pid} outlived its supervisor"


def test_more_than_one_process_on_a_port_in_use_is_one_line(stack: Stack) -> None:
    taken = stack.apis[0]
    result = subprocess.run(
        [*Supervised(stack.workdir, port=taken.port).command()],
        env=taken.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr
