"""`python -m bench capacity` on trimmed real results: it reads them, prints the model
and writes it as JSON. No figure is asserted but the inputs it read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bench.test_bench_smoke import run_bench

RESULTS = Path(__file__).parent / "capacity_results"


def run_capacity(out_dir: Path, *options: str) -> tuple[str, dict[str, Any]]:
    out = run_bench("capacity", "--results", str(RESULTS), "--out-dir", str(out_dir), *options)
    (written,) = out_dir.glob("capacity-model-*.json")
    model: dict[str, Any] = json.loads(written.read_text())
    return out, model


def test_capacity_smoke(tmp_path: Path) -> None:
    out, model = run_capacity(tmp_path)

    assert "sale-stack-20261207T223651Z.json: 'bookings accepted (202)'" in out
    assert "breaks first:" in out
    assert "not in the results: fanout-stack" in out
    assert model["sale"]["bookings"] == 500_000
    assert {c["name"] for c in model["components"]} >= {"Redis shards", "PostgreSQL primaries"}
    assert model["hosts"] >= 1


def test_the_redis_slot_is_priced_from_the_reserve_result(tmp_path: Path) -> None:
    _, model = run_capacity(tmp_path)

    redis = model["inputs"]["reservations_per_s_per_redis"]
    assert redis["source"].startswith(
        "10⁶ / reserve-paths-20261208T014900Z.json: 'single node: Redis CPU per reservation'"
    )
    assert redis["value"] == pytest.approx(1e6 / 55.0056, rel=1e-6)


def test_without_a_sub_stock_result_the_redis_slot_is_the_evalsha_baseline(
    tmp_path: Path,
) -> None:
    out, model = run_capacity(tmp_path, "--substocks", "2")

    assert "not in the results: reserve-substocks" in out
    redis = model["inputs"]["reservations_per_s_per_redis"]
    assert redis["source"] == "sale-stack-20261207T223651Z.json: 'baseline: EVALSHA reserve'"
