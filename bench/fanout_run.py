"""The realtime fan-out benchmark: thousands of subscribers on one API process.

Every subscriber subscribes to one event and waits for its snapshot; then the benchmark
publishes inventory changes on the Redis backplane itself, exactly as a worker does, and the
subscriber processes timestamp the frame carrying each change's version. Latency is receive
time minus publish time, both CLOCK_MONOTONIC, so it includes the hub's coalescing window
(up to 100 ms by design), the fan-out and the subscriber processes' own receive path.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import websockets
from rich.progress import Progress

from bench import baselines
from bench.processes import Cores, pin
from bench.system import Mode, Services, System, TicketType, started
from bolttickets.adapters.redis_pubsub import RedisPubSub
from bolttickets.adapters.redis_stock import connect_redis
from bolttickets.services.messages import UPDATES_CHANNEL, InventoryUpdate, encode_update
from bolttickets.services.ports import Inventory

# Lets the API finish the last handshakes and release their garbage before RSS is read.
_SETTLE_SECONDS = 1.0
_EXIT_SECONDS = 15.0
_LINE_LIMIT = 1 << 26  # a result line carries every receive time of a process


@dataclass(frozen=True)
class FanoutConfig:
    subscribers: int = 10_000
    processes: int = 8
    changes: int = 10
    interval: float = 0.3
    """Least time between two changes; the hub coalesces within a 100 ms window."""
    wave: int = 100
    """Handshakes each subscriber process has in flight at once."""
    compression: bool = True
    """Offer permessage-deflate as browsers do; the API then keeps zlib state per socket."""
    deliver_timeout: float = 30.0
    calibration_seconds: float = 2.0


@dataclass
class FanoutResult:
    config: FanoutConfig
    cores: str
    calibration: dict[str, dict[str, float]] = field(default_factory=dict)
    rss_kib: dict[str, int] = field(default_factory=dict)
    connected: int = 0
    failed: int = 0
    connect_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    dropped: int = 0
    """Connections the server closed during the run (a slow client is cut off by design)."""
    latencies_ms: list[list[float]] = field(default_factory=list)
    """Per change, one latency per subscriber that received it."""
    cpu_per_change: dict[str, float] = field(default_factory=dict)
    """CPU seconds the API and the subscribers spent per change: a side whose figure is
    close to the latency was the one that limited it."""

    @property
    def expected(self) -> int:
        return self.config.subscribers * self.config.changes

    @property
    def delivered(self) -> int:
        return sum(len(change) for change in self.latencies_ms)

    def all_latencies(self) -> list[float]:
        return sorted(ms for change in self.latencies_ms for ms in change)

    def kib_per_connection(self, after: str) -> float:
        return (self.rss_kib[after] - self.rss_kib["before"]) / max(self.connected, 1)

    def to_json(self) -> dict[str, Any]:
        overall = self.all_latencies()
        return {
            "config": asdict(self.config),
            "cores": self.cores,
            "calibration": self.calibration,
            "connected": self.connected,
            "failed": self.failed,
            "connect_seconds": round(self.connect_seconds, 3),
            "errors": self.errors,
            "dropped": self.dropped,
            "expected": self.expected,
            "delivered": self.delivered,
            "rss_kib": self.rss_kib,
            "cpu_seconds_per_change": {k: round(v, 3) for k, v in self.cpu_per_change.items()},
            "latency_ms": summarise(overall),
            "per_change": [summarise(sorted(change)) for change in self.latencies_ms],
            "histogram_ms": histogram(overall),
        }


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: a value that was really measured, never an interpolation."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarise(ordered: list[float]) -> dict[str, float]:
    return {
        "count": len(ordered),
        "p50": round(percentile(ordered, 50), 3),
        "p99": round(percentile(ordered, 99), 3),
        "max": round(ordered[-1], 3) if ordered else math.nan,
    }


HISTOGRAM_EDGES_MS = (0, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 5000)


def histogram(ordered: list[float]) -> list[int]:
    """Counts between consecutive ``HISTOGRAM_EDGES_MS``, the last one open-ended."""
    counts = [0] * len(HISTOGRAM_EDGES_MS)
    for ms in ordered:
        counts[sum(1 for edge in HISTOGRAM_EDGES_MS[1:] if ms >= edge)] += 1
    return counts


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"process {pid} reports no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User plus system time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_open_file_limit() -> None:
    """One socket per subscriber: the default soft limit is far too low. Raised here, before
    any child starts, so that the API and the subscriber processes inherit it."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class _SubscriberProcess:
    """One subscriber process, as the benchmark sees it through its pipes."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path, changed: asyncio.Event):
        self.process = process
        self.log = log
        self._changed = changed
        self.connected = 0
        self.ready: dict[str, Any] | None = None
        self.got: set[int] = set()
        self.result: dict[str, Any] | None = None
        self.exited = False
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            message = orjson.loads(line)
            kind = message["t"]
            if kind == "connected":
                self.connected = message["n"]
            elif kind == "ready":
                self.ready = message
            elif kind == "got":
                self.got.add(message["v"])
            elif kind == "result":
                self.result = message
            self._changed.set()
        self.exited = True
        self._changed.set()

    def failure(self) -> str | None:
        if not self.exited or self.result is not None:
            return None
        tail = self.log.read_text(errors="replace").splitlines()[-20:]
        return f"subscriber process {self.process.pid} exited early:\n" + "\n".join(tail)


class Subscribers:
    """The subscriber processes, and waiting for what they report."""

    def __init__(self, workdir: Path, cores: frozenset[int] | None) -> None:
        self._workdir = workdir
        self._cores = cores
        self._changed = asyncio.Event()
        self.processes: list[_SubscriberProcess] = []

    async def start(
        self, ws_url: str, event_id: str, config: FanoutConfig, kind: str = "inventory"
    ) -> None:
        """``kind``: the frames the subscribers time (see ``bench.fanout_subscribers``)."""
        share, extra = divmod(config.subscribers, config.processes)
        for index in range(config.processes):
            count = share + (1 if index < extra else 0)
            log = self._workdir / f"subscribers-{index}.log"
            with log.open("ab") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bench.fanout_subscribers",
                    ws_url,
                    event_id,
                    str(count),
                    str(config.wave),
                    "deflate" if config.compression else "none",
                    kind,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    preexec_fn=pin(self._cores),
                    limit=_LINE_LIMIT,
                )
            self.processes.append(_SubscriberProcess(process, log, self._changed))

    async def until(
        self,
        done: Callable[[], bool],
        timeout: float | None,
        tick: Callable[[], None] = lambda: None,
    ) -> bool:
        """Wait for ``done`` (False after ``timeout``), calling ``tick`` at every report."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._changed.clear()  # before the check, so that no report slips between the two
            tick()
            for process in self.processes:
                if (failure := process.failure()) is not None:
                    raise RuntimeError(failure)
            if done():
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    def everyone_got(self, version: int) -> Callable[[], bool]:
        return lambda: all(version in p.got for p in self.processes)

    def everyone_reached(self, key: int) -> Callable[[], bool]:
        """Every subscriber got ``key`` or a later one: the hub sends only the latest of
        the room's states, so a tick it merged into the next is never seen as such."""
        return lambda: all(any(got >= key for got in p.got) for p in self.processes)

    async def collect(self) -> list[dict[str, Any]]:
        for process in self.processes:
            assert process.process.stdin is not None
            process.process.stdin.write(b"report\n")
            await process.process.stdin.drain()
        await self.until(lambda: all(p.result is not None for p in self.processes), 60)
        return [p.result for p in self.processes if p.result is not None]

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(p.process.pid) for p in self.processes)

    async def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                if process.process.stdin is not None:
                    process.process.stdin.close()
                try:
                    await asyncio.wait_for(process.process.wait(), _EXIT_SECONDS)
                except TimeoutError:
                    process.process.kill()
                    await process.process.wait()
            process.reader.cancel()


@contextlib.contextmanager
def running_on(cores: frozenset[int] | None) -> Iterator[None]:
    """The benchmark's own process keeps off the API's core while it runs."""
    if cores is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def calibrate(
    label: str, seconds: float, services: Services, progress: Progress
) -> dict[str, float]:
    found = await baselines.calibration(services.redis_url, seconds / 2, int(25_000 * seconds))
    progress.console.print(
        f"calibration at {label}: SHA-256 {found['cpu_sha256_mb_s']:,.0f} MB/s, "
        f"redis PING {found['redis_ping_per_s']:,.0f}/s"
    )
    return found


async def run_fanout(
    config: FanoutConfig, services: Services, progress: Progress, workdir: Path
) -> FanoutResult:
    cores = Cores.split()
    result = FanoutResult(config, cores.describe())
    raise_open_file_limit()
    with running_on(cores.client):
        result.calibration["start"] = await calibrate(
            "start", config.calibration_seconds, services, progress
        )
        async with started(Mode.STACK, services, cores, workdir, workers=0) as system:
            tt = await system.create_ticket_type(
                await system.admin_token(), "Fan-out", config.changes + 1
            )
            load = Subscribers(workdir, cores.client)
            try:
                await _measure(system, tt, load, config, services, progress, result)
            finally:
                await load.stop()
        result.calibration["end"] = await calibrate(
            "end", config.calibration_seconds, services, progress
        )
    return result


async def _measure(
    system: System,
    tt: TicketType,
    load: Subscribers,
    config: FanoutConfig,
    services: Services,
    progress: Progress,
    result: FanoutResult,
) -> None:
    pid = system.api.pid
    await _warm_up(system.ws_url, tt)
    await asyncio.sleep(_SETTLE_SECONDS)
    result.rss_kib["before"] = rss_kib(pid)
    await _connect(system, tt, load, config, progress, result)
    await asyncio.sleep(_SETTLE_SECONDS)
    result.rss_kib["connected"] = rss_kib(pid)
    api_cpu, load_cpu = cpu_seconds(pid), load.cpu_seconds()
    published = await _publish_changes(load, tt, config, services, progress)
    result.cpu_per_change = {
        "api": (cpu_seconds(pid) - api_cpu) / config.changes,
        "subscribers": (load.cpu_seconds() - load_cpu) / config.changes,
    }
    await asyncio.sleep(_SETTLE_SECONDS)
    result.rss_kib["after"] = rss_kib(pid)
    _gather_latencies(await load.collect(), published, result)


async def _warm_up(ws_url: str, tt: TicketType) -> None:
    """One subscriber before the baseline: first-use imports and caches are not per socket."""
    async with websockets.connect(ws_url) as ws:
        await ws.send(orjson.dumps({"type": "subscribe", "event_id": tt.event_id}).decode())
        while orjson.loads(await ws.recv()).get("type") != "snapshot":
            pass


async def _connect(
    system: System,
    tt: TicketType,
    load: Subscribers,
    config: FanoutConfig,
    progress: Progress,
    result: FanoutResult,
) -> None:
    task = progress.add_task("Subscribing", total=config.subscribers)
    started_at = time.monotonic()
    await load.start(system.ws_url, tt.event_id, config)

    def tick() -> None:
        system.check_alive()
        progress.update(task, completed=sum(p.connected for p in load.processes))

    # A handshake that never completes fails in its own process after its open timeout.
    await load.until(lambda: all(p.ready is not None for p in load.processes), None, tick)
    result.connect_seconds = time.monotonic() - started_at
    for process in load.processes:
        assert process.ready is not None
        result.connected += process.ready["n"]
        result.failed += process.ready["failed"]
        result.errors.extend(process.ready["errors"])


async def _publish_changes(
    load: Subscribers, tt: TicketType, config: FanoutConfig, services: Services, progress: Progress
) -> dict[int, float]:
    """Publish each change once the previous one reached everyone (or timed out), so that
    every change measures one fan-out, not a queue of them."""
    task = progress.add_task("Publishing changes", total=config.changes)
    # Above every snapshot's version, or subscribers would rightly treat the change as stale.
    base = max(p.ready["version"] for p in load.processes if p.ready is not None) + 1
    published: dict[int, float] = {}
    client = await connect_redis(services.redis_url, max_connections=1)
    try:
        backplane = RedisPubSub(client)
        for change in range(config.changes):
            version = base + change
            last = max(published.values(), default=-math.inf)
            await asyncio.sleep(max(0.0, last + config.interval - time.monotonic()))
            inventory = Inventory(tt.uuid, tt.capacity - change - 1, version)
            message = encode_update([InventoryUpdate(UUID(tt.event_id), inventory)], [])
            published[version] = time.monotonic()
            await backplane.publish(UPDATES_CHANNEL, message)
            await load.until(load.everyone_got(version), config.deliver_timeout)
            progress.advance(task)
    finally:
        await client.aclose()
    return published


def _gather_latencies(
    reports: list[dict[str, Any]], published: dict[int, float], result: FanoutResult
) -> None:
    received: dict[int, list[float]] = {version: [] for version in published}
    for found in reports:
        result.dropped += found["closed"]
        for version, times in found["received"].items():
            sent = published[int(version)]
            received[int(version)].extend((at - sent) * 1000 for at in times)
    result.latencies_ms = [received[version] for version in sorted(published)]
