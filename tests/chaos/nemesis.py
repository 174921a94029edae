"""The nemesis: one fault at a time against the stack's processes and its three services.

Each fault has a start (kill, stop or freeze) and an end (restart or thaw); the sale goes
on in between. ``injected`` undoes the fault however its block is left: a service left
stopped or frozen by a failed run would break every test after it. Services are driven
through scripts/services, which honours BOLT_SERVICES_PORT_OFFSET, so a run only ever
touches its own PostgreSQL, Redis and Kafka.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.stack.conftest import Stack
from tests.support import Server, services

FREEZE_SECONDS = 10.0

KINDS = (
    "kill-worker",
    "kill-api",
    "kill-kafka",
    "restart-redis",
    "restart-postgres",
    "freeze-worker",
    "freeze-api",
    "freeze-kafka",
    "freeze-redis",
    "freeze-postgres",
)


def process_tree(pid: int) -> list[int]:
    """The process and its children: freezing PostgreSQL's postmaster alone would leave its
    backends answering queries."""
    found = [pid]
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a backend that ended
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            found += process_tree(int(child))
    return found


def signal_all(pids: tuple[int, ...], signum: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass  # a backend that ended on its own


@dataclass
class Fault:
    kind: str
    target: str
    """A process name (api-1, worker-0) or a service (kafka, redis, postgres)."""
    frozen: tuple[int, ...] = ()
    """The pids a freeze stopped, to thaw exactly those."""

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}"

    @property
    def action(self) -> str:
        return self.kind.split("-", 1)[0]

    @property
    def seconds(self) -> float:
        """How long the fault lasts once injected: a kill or a restart lasts as long as
        the restart takes, in ``end``."""
        return FREEZE_SECONDS if self.action == "freeze" else 0.0


def choose(rng: random.Random, stack: Stack) -> Fault:
    kind = rng.choice(KINDS)
    what = kind.split("-", 1)[1]
    if what == "worker":
        target = rng.choice(stack.workers).name
    elif what == "api":
        target = rng.choice(stack.apis).name
    else:
        target = what
    return Fault(kind, target)


def process_named(stack: Stack, name: str) -> Server:
    return next(p for p in [*stack.apis, *stack.workers] if p.name == name)


@contextlib.asynccontextmanager
async def injected(stack: Stack, fault: Fault) -> AsyncIterator[None]:
    """The fault is on inside the block; when the block is left, by its end, an assertion,
    a timeout or a cancelled run, the fault is undone and its target is ready again."""
    try:
        await begin(stack, fault)
        yield
    finally:
        await end(stack, fault)


async def begin(stack: Stack, fault: Fault) -> None:
    """Break something."""
    if fault.target in ("kafka", "redis", "postgres"):
        pid = int(await services("pid", fault.target))
        if fault.action == "kill":
            os.kill(pid, signal.SIGKILL)
            # A killed JVM's threads hold its ports a while after the leader is a zombie:
            # `stop` on a dead service just waits until the ports are closed.
            await services("stop", fault.target)
        elif fault.action == "restart":
            await services("stop", fault.target)
        else:
            fault.frozen = tuple(process_tree(pid))  # known before any is stopped: all thawed
            signal_all(fault.frozen, signal.SIGSTOP)
        return
    process = process_named(stack, fault.target)
    if fault.action == "kill":
        process.kill()
    else:
        process.pause()


async def end(stack: Stack, fault: Fault) -> None:
    """Undo the fault, whether ``begin`` completed or not, and wait until its target is
    ready: a thawed service too must answer before the next fault, or two overlap."""
    if fault.target in ("kafka", "redis", "postgres"):
        signal_all(fault.frozen, signal.SIGCONT)
        if fault.action != "freeze":
            # Again: after a kill whose `stop` failed, the ports may only now be closed.
            await services("stop", fault.target)
        # Starts what is stopped; on a running service it only waits until it is ready.
        await services("start", fault.target)
        return
    process = process_named(stack, fault.target)
    if fault.action == "kill":
        if not process.running:
            await process.start()
    else:
        process.resume()
