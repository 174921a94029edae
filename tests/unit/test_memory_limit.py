"""Each process reports the memory limit of its own container, read from its cgroup."""

from __future__ import annotations

import math
from pathlib import Path

from bolttickets.observability import metrics


def test_the_memory_limit_is_the_cgroups_and_infinite_without_one(tmp_path: Path) -> None:
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    assert metrics.memory_limit([v2, v1]) == math.inf
    v1.write_text("9223372036854771712\n")  # cgroup v1's "no limit"
    assert metrics.memory_limit([v2, v1]) == math.inf
    v1.write_text("268435456\n")
    assert metrics.memory_limit([v2, v1]) == 268435456
    v2.write_text("max\n")
    assert metrics.memory_limit([v2, v1]) == math.inf
    v2.write_text("536870912\n")
    assert metrics.memory_limit([v2, v1]) == 536870912
