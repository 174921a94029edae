"""`python -m bench budget` with few calls: every library call it prices is made against the
real Redis and Kafka and costs something, and the result keeps the one headline row `make
bench`'s table shows. No timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench.test_bench_smoke import run_bench


def test_budget_bench_smoke(tmp_path: Path, redis_url: str, kafka_bootstrap: str) -> None:
    run_bench(
        "budget",
        "--calls",
        "300",
        "--out-dir",
        str(tmp_path),
        "--redis-url",
        redis_url,
        "--kafka-bootstrap",
        kafka_bootstrap,
    )

    [result] = tmp_path.glob("budget-stack-*.json")
    document = json.loads(result.read_text())
    figures = {f["name"]: f for f in document["figures"]}
    calls = [name for name in figures if ":" in name]
    assert len(calls) == 4
    assert all(figures[name]["value"] > 0 for name in calls)
    summed = figures["a booking's library calls, summed"]["value"]
    assert summed == sum(figures[name]["value"] for name in calls)
    [headline] = [f for f in document["figures"] if f["headline"]]
    assert headline["name"] == "bookings per core those calls allow"
    assert len(headline["targets"]) == 1
    assert set(document["calibration"]) == {"start", "end"}
