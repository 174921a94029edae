"""Processes under test: started fresh for each run, pinned to a core, measured, stopped.

Shared by every benchmark: nothing here knows about bookings.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.support import stop_process

BOLTTICKETS = str(Path(sys.executable).with_name("bolttickets"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def jwt_secret() -> str:
    return secrets.token_urlsafe(36)  # 48 characters


@dataclass(frozen=True)
class Cores:
    """Which cores the server and the load generator get; ``None`` shares them all."""

    server: frozenset[int] | None
    client: frozenset[int] | None

    @classmethod
    def split(cls) -> Cores:
        """The server on one core, the load generator on another, so neither steals the
        other's CPU; the backing services (and workers) float over all of them."""
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            return cls(None, None)
        return cls(frozenset({cores[0]}), frozenset({cores[1]}))

    def describe(self) -> str:
        if self.server is None or self.client is None:
            return "one core only: server and load generator share it (no pinning)"
        return (
            f"API pinned to core {_cores(self.server)}, load generator and bench to core "
            f"{_cores(self.client)}; services and workers float over all "
            f"{len(os.sched_getaffinity(0))} cores"
        )


def _cores(cores: frozenset[int]) -> str:
    return ",".join(str(c) for c in sorted(cores))


def pin(cores: frozenset[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that pins the child before it runs, so all its threads inherit it."""
    if cores is None:
        return None
    return lambda: os.sched_setaffinity(0, cores)


def peak_rss_bytes(pid: int) -> int | None:
    """The process's high-water mark of resident memory (VmHWM), or None once it is gone."""
    return _memory_bytes(pid, "VmHWM")


def rss_bytes(pid: int) -> int | None:
    """The process's resident memory now (VmRSS), or None once it is gone."""
    return _memory_bytes(pid, "VmRSS")


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system, every thread) the process and its running children
    (``serve --processes``) have used, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    # The fields after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    own = (utime + stime) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


def run_queue_wait_seconds(pid: int) -> float | None:
    """How long the process's main thread (an API's event loop), and its running children's,
    were ready to run but waited for a core other processes held, or None once it is gone
    (or the kernel keeps no scheduler statistics)."""
    try:
        schedstat = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    # Time on the CPU, time waiting on a run queue (both in ns), time slices.
    own = int(schedstat.split()[1]) / 1e9
    return own + sum(run_queue_wait_seconds(int(child)) or 0.0 for child in children)


def _memory_bytes(pid: int, field: str) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return None


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without any ``BOLT_`` setting of its own, plus ``overrides``:
    the process under test sees only what the bench chose."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLT_")}
    env.update(overrides)
    return env


@dataclass
class Process:
    """One child process (``bolttickets serve``, ``worker``, …) with its log in ``workdir``."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    workdir: Path
    cores: frozenset[int] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                list(self.argv),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=pin(self.cores),
            )

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise ProcessDied(f"{self.name} exited ({self.process.returncode}): {self.log_tail()}")

    def peak_rss(self) -> int | None:
        return None if self.process is None else peak_rss_bytes(self.process.pid)

    def cpu_seconds(self) -> float | None:
        return None if self.process is None else cpu_seconds(self.process.pid)

    def run_queue_wait_seconds(self) -> float | None:
        return None if self.process is None else run_queue_wait_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class ProcessDied(RuntimeError):
    pass


async def wait_until_ready(process: Process, url: str, timeout: float = 90.0) -> None:
    """Poll ``url`` until it answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            process.check_alive()
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise ProcessDied(
                    f"{process.name} not ready after {timeout:.0f}s: {process.log_tail()}"
                )
            await asyncio.sleep(0.1)


def run_checked(argv: Sequence[str], env: dict[str, str]) -> str:
    """Run a short command to completion; its output is the error message if it fails."""
    done = subprocess.run(list(argv), env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ProcessDied(f"{' '.join(argv)} failed: {done.stdout}{done.stderr}")
    return done.stdout
