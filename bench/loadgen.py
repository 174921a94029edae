"""The load generator: keep-alive HTTP/1.1 POSTs on N connections, closed loop, one process.

Run as ``python -m bench.loadgen SPEC.json RESULT.json`` on its own core. It
is a bare asyncio protocol on uvloop, not an HTTP library: each response writes the next
request straight from ``data_received``, so a request costs a few microseconds here and
the server, not this process, is what saturates (the bench proves it each run by driving
the no-op endpoint faster than the booking endpoint). Every request carries its own buyer
token and ``Idempotency-Key``. Progress goes to stdout as ``p <completed>`` lines.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson

PROGRESS_EVERY = 0.25
BUCKET_SECONDS = 0.5


@dataclass(frozen=True)
class Spec:
    port: int
    path: str
    body: str
    tokens_file: str
    key_prefix: str
    connections: int = 64
    duration: float | None = None
    """Send for this long (the throughput phases)…"""
    requests: int | None = None
    """…or exactly this many requests (a sale where each buyer asks once)."""
    shuffle_seed: int | None = None
    watched: int = 0
    """Buyers 0..watched-1 (before shuffling): their 202s are timed with the booking id."""
    watch_within: int | None = None
    """Spread the watched buyers evenly over the first this-many requests of the shuffled
    order: in a sale where only those get a ticket, every watched buyer is then timed."""
    same_key: bool = False
    """Every request of a buyer carries the key ``<key_prefix>-`` (a retry, or a key reused)."""

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


class Load:
    def __init__(self, spec: Spec, tokens: list[str]) -> None:
        import random

        self.spec = spec
        order = list(range(len(tokens)))
        if spec.shuffle_seed is not None:
            random.Random(spec.shuffle_seed).shuffle(order)
        if spec.watch_within and spec.watched:
            _spread(order, spec.watched, spec.watch_within)
        self.order = order
        body = spec.body.encode()
        self.suffix = b"\r\n\r\n" + body
        self.prefixes = [
            (
                f"POST {spec.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                f"Authorization: Bearer {token}\r\nIdempotency-Key: {spec.key_prefix}-"
            ).encode()
            for token in tokens
        ]
        self.sent = 0
        self.completed = 0
        self.deadline = float("inf")
        self.idle = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Per response: when it completed, how long it took, its status.
        self.finished_at: list[float] = []
        self.latencies: list[float] = []
        self.statuses: list[int] = []
        self.watched: list[tuple[str, float]] = []
        self.lost = 0
        self.first_sent = 0.0

    def send(self, conn: Connection) -> None:
        now = time.monotonic()
        limit = self.spec.requests
        if now >= self.deadline or (limit is not None and self.sent >= limit):
            conn.buyer = -1
            self.idle += 1
            if self.idle == self.spec.connections and not self.done.done():
                self.done.set_result(None)
            return
        seq = self.sent
        self.sent += 1
        buyer = self.order[seq % len(self.order)]
        conn.buyer = buyer
        conn.sent_at = now
        assert conn.transport is not None
        key = b"" if self.spec.same_key else b"%d" % seq
        conn.transport.write(self.prefixes[buyer] + key + self.suffix)

    def response(self, conn: Connection, status: int, body: bytes) -> None:
        now = time.monotonic()
        self.completed += 1
        self.finished_at.append(now)
        self.latencies.append(now - conn.sent_at)
        self.statuses.append(status)
        if status == 202 and conn.buyer < self.spec.watched:
            self.watched.append((orjson.loads(body)["booking_id"], now))
        self.send(conn)

    def connection_lost(self) -> None:
        self.lost += 1
        self.idle += 1
        if self.idle == self.spec.connections and not self.done.done():
            self.done.set_result(None)

    def result(self) -> dict[str, Any]:
        elapsed = (max(self.finished_at) - self.first_sent) if self.finished_at else 0.0
        accepted_at = [t for t, s in zip(self.finished_at, self.statuses, strict=True) if s == 202]
        return {
            "sent": self.sent,
            "completed": self.completed,
            "connections_lost": self.lost,
            "statuses": {str(k): v for k, v in sorted(Counter(self.statuses).items())},
            "first_sent_at": self.first_sent,
            "elapsed_s": elapsed,
            "rate_per_s": self.completed / elapsed if elapsed else 0.0,
            "last_accepted_at": max(accepted_at) if accepted_at else None,
            "latency_ms": _latency_summary(self.latencies),
            "timeline": self._timeline(),
            "watched": self.watched,
        }

    def _timeline(self) -> list[dict[str, float]]:
        buckets: dict[int, list[float]] = {}
        for t, latency in zip(self.finished_at, self.latencies, strict=True):
            buckets.setdefault(int((t - self.first_sent) / BUCKET_SECONDS), []).append(latency)
        rows = []
        last = max(self.finished_at, default=self.first_sent) - self.first_sent
        for index in sorted(buckets):
            values = sorted(buckets[index])
            # The last bucket is cut short where the answers stopped, not at its end.
            span = min(BUCKET_SECONDS, last - index * BUCKET_SECONDS) or BUCKET_SECONDS
            rows.append(
                {
                    "t": min((index + 1) * BUCKET_SECONDS, last),
                    "rate_per_s": len(values) / span,
                    "p50_ms": percentile(values, 50) * 1000,
                    "p99_ms": percentile(values, 99) * 1000,
                }
            )
        return rows


def _spread(order: list[int], watched: int, within: int) -> None:
    """Move buyers 0..watched-1 to evenly spaced places among the first ``within``."""
    place = {buyer: i for i, buyer in enumerate(order)}
    step = max(1, min(within, len(order)) // watched)
    for buyer in range(min(watched, len(order))):
        here, there = place[buyer], buyer * step
        other = order[there]
        order[here], order[there] = other, buyer
        place[other], place[buyer] = here, there


def _latency_summary(latencies: list[float]) -> dict[str, float]:
    values = sorted(latencies)
    summary = {f"p{q}": percentile(values, q) * 1000 for q in (50, 95, 99)}
    summary["max"] = values[-1] * 1000 if values else 0.0
    return summary


class Connection(asyncio.Protocol):
    """One keep-alive connection with one request in flight."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.buyer = -1
        self.sent_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end]).lower() + b"\r\n"
        # Every answer of this server has a Content-Length; none is chunked.
        at = head.find(b"content-length:") + 15
        length = int(head[at : head.find(b"\r\n", at)])
        total = end + 4 + length
        if len(buffer) < total:
            return
        status = int(head[9:12])
        body = bytes(buffer[end + 4 : total])
        del buffer[:total]
        self.load.response(self, status, body)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.buyer >= 0:
            self.load.connection_lost()


async def run(spec: Spec, tokens: list[str]) -> dict[str, Any]:
    load = Load(spec, tokens)
    loop = asyncio.get_running_loop()
    connections = []
    for _ in range(spec.connections):
        _, protocol = await loop.create_connection(lambda: Connection(load), "127.0.0.1", spec.port)
        connections.append(protocol)
    # A pause from the collector would show up as server latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu_before = _cpu_seconds()
    load.first_sent = time.monotonic()
    if spec.duration is not None:
        load.deadline = load.first_sent + spec.duration
    for conn in connections:
        load.send(conn)
    progress = asyncio.create_task(_report_progress(load))
    await load.done
    progress.cancel()
    busy = (_cpu_seconds() - cpu_before) / max(time.monotonic() - load.first_sent, 1e-9)
    gc.enable()
    for conn in connections:
        assert conn.transport is not None
        conn.transport.close()
    # Near 1.0, this process (not the server) may be what limits the rate.
    return load.result() | {"client_cpu_busy": busy}


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _report_progress(load: Load) -> None:
    while True:
        sys.stdout.write(f"p {load.completed}\n")
        sys.stdout.flush()
        await asyncio.sleep(PROGRESS_EVERY)


def main() -> None:
    import uvloop

    spec_path, result_path = sys.argv[1:3]
    spec = Spec(**json.loads(Path(spec_path).read_text()))
    tokens = Path(spec.tokens_file).read_text().split()
    result = uvloop.run(run(spec, tokens))
    Path(result_path).write_bytes(orjson.dumps(result))


if __name__ == "__main__":
    main()
