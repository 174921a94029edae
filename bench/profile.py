"""py-spy on the API for the length of a phase: a flame graph, the collapsed stacks it is
drawn from, and the entries that take the most samples.

Two samplers run side by side (py-spy writes one format a run), both ``--nonblocking`` so
that neither stops the API to read it; they still take CPU of their own, so a profiled
run's rates are not comparable with an unprofiled one's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

RATE_HZ = 250
TOP = 25
# "function (path/to/module.py:123)" -> "function (path/to/module.py)": one entry a function.
_LINE = re.compile(r":\d+\)$")


def py_spy() -> str | None:
    """py-spy from the bench's environment (``pip install '.[bench]'``), else the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextlib.asynccontextmanager
async def profiled(pid: int, stem: Path) -> AsyncIterator[None]:
    """Sample ``pid`` and its children while the body runs; then write ``stem``.svg,
    ``stem``.collapsed.txt and ``stem``.top.txt."""
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed: pip install '.[bench]'")
    common = ["record", "--pid", str(pid), "--rate", str(RATE_HZ), "--nonblocking"]
    outputs = {"flamegraph": stem.with_suffix(".svg"), "raw": stem.with_suffix(".collapsed.txt")}
    samplers = [
        await asyncio.create_subprocess_exec(
            *(binary, *common, "--subprocesses", "--format", fmt, "--output", str(path)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for fmt, path in outputs.items()
    ]
    try:
        yield
    finally:
        for sampler in samplers:
            with contextlib.suppress(ProcessLookupError):
                sampler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for sampler in samplers:
            _, err = await sampler.communicate()
            if sampler.returncode not in (0, -signal.SIGINT) or not outputs_exist(outputs):
                raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    collapsed = outputs["raw"].read_text().splitlines()
    stem.with_suffix(".top.txt").write_text(top_entries(collapsed))


def outputs_exist(outputs: dict[str, Path]) -> bool:
    return all(path.exists() for path in outputs.values())


def top_entries(collapsed: Iterable[str], top: int = TOP) -> str:
    """The functions in most samples (inclusive: anywhere on the stack, once a stack) and
    the ones that were running (self), as shares of all samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed:
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        n = int(count)
        total += n
        inclusive.update(dict.fromkeys(frames, n))
        own[frames[-1]] += n
    lines = [f"{total:,} samples at {RATE_HZ} Hz"]
    for title, counts in (("inclusive", inclusive), ("self", own)):
        lines += ["", f"{title}:"]
        lines += [f"{n / total:6.1%}  {name}" for name, n in counts.most_common(top)]
    return "\n".join(lines) + "\n"
