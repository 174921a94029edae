"""`python -m bench sale --smoke` in both modes: the bench keeps working, and a small sale
keeps the invariants. Only those are asserted, never a timing: this machine is shared."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SMOKE_TIMEOUT = 600  # generous: CI may run on a busy machine


def run_bench(*args: str) -> str:
    """``python -m bench ARGS``; its output, once it succeeded."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def services(postgres_admin_url: str, redis_url: str, kafka_bootstrap: str) -> list[str]:
    """The bench's options naming the test run's services."""
    return [
        "--postgres-admin-url",
        postgres_admin_url,
        "--redis-url",
        redis_url,
        "--kafka-bootstrap",
        kafka_bootstrap,
    ]


def run_smoke(out_dir: Path, *options: str) -> dict[str, object]:
    run_bench("sale", "--smoke", "--out-dir", str(out_dir), *options)
    [result] = out_dir.glob("sale-*.json")
    document: dict[str, object] = json.loads(result.read_text())
    return document


def assert_invariants_held(document: dict[str, object]) -> None:
    assert document["invariants"] == {"passed": True, "failures": []}
    phases = document["phases"]
    assert isinstance(phases, dict)
    realistic = phases["realistic"]["statuses"]
    assert set(realistic) == {"202", "409"}  # demand exceeded the capacity
    assert realistic["202"] == 200


def test_smoke_embedded(tmp_path: Path) -> None:
    assert_invariants_held(run_smoke(tmp_path, "--mode", "embedded"))


def test_smoke_full_stack(
    tmp_path: Path, postgres_admin_url: str, redis_url: str, kafka_bootstrap: str
) -> None:
    document = run_smoke(
        tmp_path, "--mode", "stack", *services(postgres_admin_url, redis_url, kafka_bootstrap)
    )
    assert_invariants_held(document)
    baselines = document["baselines"]
    assert isinstance(baselines, dict)
    assert set(baselines) == {"evalsha_per_s", "copy_rows_per_s"}


def test_refusals_bench_runs(postgres_admin_url: str, redis_url: str, kafka_bootstrap: str) -> None:
    """A few refusals of every kind: the bench keeps working (its set-up once booked two
    ticket types with one Idempotency-Key, which a key's scope being the user forbids)."""
    output = run_bench(
        "refusals", "--per-kind", "200", *services(postgres_admin_url, redis_url, kafka_bootstrap)
    )
    assert "refusals leave nothing behind" in output


def test_ratelimit_bench_runs(
    postgres_admin_url: str, redis_url: str, kafka_bootstrap: str
) -> None:
    """A hundred buyers: each books once (202), then is limited (429)."""
    output = run_bench(
        "ratelimit", "--buyers", "100", *services(postgres_admin_url, redis_url, kafka_bootstrap)
    )
    assert "a limited booking is answered" in output
