"""``bolttickets serve --processes N``: N API processes on one port, sharing nothing but
PostgreSQL, Redis and Kafka (docs/deploy.md, "Several API processes on one host").

The supervisor binds N listening sockets to the port with SO_REUSEPORT, so the kernel
spreads new connections evenly over the processes, and holds them: a process that dies is
started again on its own socket, and the connections queued there meanwhile wait for it
instead of being reset. Process ``i`` serves its internal port (/metrics, the detailed
readiness) on ``metrics port + i``.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from types import FrameType
from typing import Any

import uvicorn

from bolttickets.config import Settings

# Spawned, not forked: a child must not inherit the supervisor's imported state, and the
# API's own event loop and connections are made in the child.
_SPAWN = multiprocessing.get_context("spawn")
# Past the servers' own graceful shutdown, a child still running is killed.
_STOP_MARGIN_SECONDS = 5.0


class ProcessFailed(Exception):
    """An API process exited while starting: the supervisor stops the others and exits."""


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to the same address; the kernel balances new connections
    over them. Binding them here makes a port in use one error before any process starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets = []
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets


@dataclass
class _Child:
    index: int
    sock: socket.socket
    process: SpawnProcess | None = None
    ready: Event = field(default_factory=_SPAWN.Event)


class Supervisor:
    """Starts the API processes, restarts one that dies after it started, and stops them
    all on SIGTERM or SIGINT. A process that fails while starting stops the whole serve
    (non-zero exit): restarting it would only repeat the failure."""

    def __init__(
        self,
        settings: Settings,
        sockets: list[socket.socket],
        server_options: dict[str, Any],
        report: Callable[[str], None],
    ) -> None:
        self._settings = settings
        self._options = server_options
        self._report = report
        self._children = [_Child(i, sock) for i, sock in enumerate(sockets)]
        self._stopping = False

    def run(self) -> int:
        """Serve until asked to stop; the exit code of the whole serve."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        try:
            # The first process alone, then the others side by side: the first creates
            # what every process expects to find (Kafka topics, the admin account).
            self._start(self._children[:1])
            self._start(self._children[1:])
            self._report(f"{len(self._children)} API processes started")
            self._watch()
            return 0
        except ProcessFailed as exc:
            self._report(str(exc))
            return 1
        finally:
            self._stop_all()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    def _start(self, children: list[_Child]) -> None:
        for child in children:
            child.ready.clear()
            child.process = _SPAWN.Process(
                target=_serve_child,
                args=(self._settings, child.index, child.sock, self._options, child.ready),
                name=f"bolttickets-api-{child.index}",
            )
            child.process.start()
        for child in children:
            assert child.process is not None
            while not child.ready.wait(0.2):
                if self._stopping:
                    return
                if not child.process.is_alive():
                    raise ProcessFailed(
                        f"API process {child.index} exited while starting "
                        f"(exit code {child.process.exitcode}); stopping."
                    )

    def _watch(self) -> None:
        while not self._stopping:
            by_sentinel = {c.process.sentinel: c for c in self._children if c.process}
            for sentinel in wait(list(by_sentinel), timeout=0.5):
                child = by_sentinel[sentinel]  # type: ignore[index]
                if self._stopping:
                    return
                assert child.process is not None
                self._report(
                    f"API process {child.index} (pid {child.process.pid}) exited "
                    f"(exit code {child.process.exitcode}); starting it again."
                )
                self._start([child])

    def _stop_all(self) -> None:
        """SIGTERM to every process (each closes its connections gracefully), SIGKILL to
        any still running past the graceful shutdown."""
        running = [c.process for c in self._children if c.process and c.process.is_alive()]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self._options["timeout_graceful_shutdown"]
        deadline += _STOP_MARGIN_SECONDS
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


class _ChildServer(uvicorn.Server):
    """Tells the supervisor when it accepts requests."""

    def __init__(self, config: uvicorn.Config, ready: Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._ready.set()


def _serve_child(
    settings: Settings, index: int, sock: socket.socket, options: dict[str, Any], ready: Event
) -> None:
    from bolttickets import bootstrap

    if settings.metrics_port is not None:
        settings = settings.model_copy(update={"metrics_port": settings.metrics_port + index})
    server = _ChildServer(uvicorn.Config(bootstrap.api_app(settings), **options), ready)
    server.run(sockets=[sock])
