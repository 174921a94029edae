"""`python -m bench capacity` on a trimmed real sale result: it reads it, prints the model
and writes it as JSON. No figure is asserted but the inputs it read."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.test_bench_smoke import run_bench

RESULTS = Path(__file__).parent / "capacity_results"


def test_capacity_smoke(tmp_path: Path) -> None:
    out = run_bench("capacity", "--results", str(RESULTS), "--out-dir", str(tmp_path))

    assert "sale-stack-20261207T223651Z.json: 'bookings accepted (202)'" in out
    assert "breaks first:" in out
    assert "not in the results: fanout-stack" in out
    (written,) = tmp_path.glob("capacity-model-*.json")
    model = json.loads(written.read_text())
    assert model["sale"]["bookings"] == 500_000
    assert {c["name"] for c in model["components"]} >= {"Redis shards", "PostgreSQL primaries"}
    assert model["hosts"] >= 1
