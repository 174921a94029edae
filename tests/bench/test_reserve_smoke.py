"""`python -m bench reserve` with small rounds: it keeps working, every round of either
path sells its stock out exactly (the bench fails otherwise), and it writes its figures as
a result ``bench capacity`` can read. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.bench.test_bench_smoke import run_bench

MEASURES = ("reservations/s", "client CPU per reservation", "Redis CPU per reservation")


def written(out_dir: Path, kind: str) -> dict[str, Any]:
    (result,) = out_dir.glob(f"{kind}-*.json")
    document: dict[str, Any] = json.loads(result.read_text())
    assert set(document["calibration"]) == {"start", "end"}
    return document


def values(document: dict[str, Any]) -> dict[str, float]:
    return {figure["name"]: figure["value"] for figure in document["figures"]}


def test_reserve_bench_smoke(redis_url: str, tmp_path: Path) -> None:
    out = run_bench(
        "reserve", "--reservations", "500", "--rounds", "1", "--redis-url", redis_url,
        "--out-dir", str(tmp_path),
    )  # fmt: skip

    assert "multi-step (cluster)" in out
    assert "single node / multi-step" in out
    found = values(written(tmp_path, "reserve-paths"))
    for path in ("single node", "multi-step (cluster)"):
        for measure in MEASURES:
            assert found[f"{path}: {measure}"] > 0
    # The multi-step path calls the script once a reservation; the single-node path groups.
    assert found["multi-step (cluster): EVALSHA calls per reservation"] == 1
    assert 0 < found["single node: EVALSHA calls per reservation"] < 1


def test_reserve_bench_smoke_with_sub_stocks(redis_cluster_url: str, tmp_path: Path) -> None:
    """One ticket type in 1 and 2 sub-stocks on the cluster: each round's reservations and
    refusals keep the invariants (the bench fails otherwise)."""
    out = run_bench(
        "reserve", "--sub-stocks", "1,2", "--reservations", "300", "--rounds", "1",
        "--redis-cluster-url", redis_cluster_url, "--out-dir", str(tmp_path),
    )  # fmt: skip

    assert "K=2:" in out
    assert "sold-out refusals/s" in out
    found = values(written(tmp_path, "reserve-substocks"))
    for k in (1, 2):
        for measure in (*MEASURES, "busiest primary CPU per reservation"):
            assert found[f"K={k}: {measure}"] > 0
        # The busiest primary is one of them: never more than all of them.
        busiest = found[f"K={k}: busiest primary CPU per reservation"]
        assert busiest <= found[f"K={k}: Redis CPU per reservation"]
    assert found["K=1: script calls per reservation"] == 1
