"""A tiny servers run through the real command: each installed server answers every no-op
and every booking with 202 (the bench fails otherwise), and the rates are written.
Timings on a shared machine prove nothing, so none is asserted."""

from __future__ import annotations

from pathlib import Path

import orjson
from bench.__main__ import app
from typer.testing import CliRunner


def test_every_server_answers_every_request(
    postgres_admin_url: str, redis_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    tiny = ["--rounds", "1", "--seconds", "0.5", "--connections", "8", "--booking"]
    services = ["--postgres-admin-url", postgres_admin_url, "--redis-url", redis_url]
    services += ["--kafka-bootstrap", kafka_bootstrap]
    outcome = CliRunner().invoke(app, ["servers", *tiny, *services, "--out-dir", str(tmp_path)])

    assert outcome.exit_code == 0, outcome.output
    [written] = tmp_path.glob("servers-*.json")
    rates = orjson.loads(written.read_bytes())["rates_per_s"]
    assert set(rates) == {"noop", "booking"}
    for target in rates.values():
        assert [len(values) for values in target.values()] == [1] * len(target)
        assert all(values[0] > 0 for values in target.values()), target
    assert "ratio to uvicorn" in outcome.output
