"""A tiny fan-out run through the real command: every subscriber hears every change, and
the result is written. Timings on a shared machine prove nothing, so none is asserted."""

from __future__ import annotations

from pathlib import Path

import orjson
from bench.__main__ import app
from typer.testing import CliRunner


def test_every_subscriber_hears_every_change(
    postgres_admin_url: str, redis_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    tiny = ["--subscribers", "200", "--processes", "2", "--changes", "3", "--wave", "50"]
    services = ["--postgres-admin-url", postgres_admin_url, "--redis-url", redis_url]
    services += ["--kafka-bootstrap", kafka_bootstrap]
    outcome = CliRunner().invoke(app, ["fanout", *tiny, *services, "--out-dir", str(tmp_path)])

    assert outcome.exit_code == 0, outcome.output
    [written] = tmp_path.glob("fanout-*.json")
    assert list(tmp_path.glob("fanout-*.png"))
    result = orjson.loads(written.read_bytes())
    assert result["connected"] == 200
    assert result["failed"] == result["dropped"] == 0
    assert [change["count"] for change in result["per_change"]] == [200, 200, 200]
    assert result["delivered"] == result["expected"] == 600
    assert "latency p99" in outcome.output and "calibration at end" in outcome.output
