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
    for noop in ("ceiling", "in-app"):  # both no-op servers answered, and only 202
        assert set(phases[noop]["statuses"]) == {"202"}
    realistic = phases["realistic"]["statuses"]
    assert set(realistic) == {"202", "409"}  # demand exceeded the capacity
    assert realistic["202"] == 200


def test_smoke_embedded_profiled(tmp_path: Path) -> None:
    """Profiled too (``--profile``): py-spy's flame graph of the API's bookings phase, its
    stacks and its top entries are written beside the results."""
    assert_invariants_held(run_smoke(tmp_path, "--mode", "embedded", "--profile"))
    [svg] = tmp_path.glob("sale-embedded-bookings-profile-*.svg")
    assert svg.read_text().lstrip().startswith("<?xml")
    stacks = svg.with_suffix(".collapsed.txt").read_text()
    assert "create_booking (bolttickets/api/routers/bookings.py" in stacks
    top = svg.with_suffix(".top.txt").read_text()
    assert "inclusive:" in top and "self:" in top


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
    assert_run_table(tmp_path)


# Every row the sale gives `make bench`'s table, and the targets each one carries.
SALE_ROWS = {
    "ceiling: stand-alone no-op POST": 0,
    "no-op POST in the application": 0,
    "the application's layers, per request": 0,
    "bookings accepted (202)": 1,
    "bookings per API core": 1,
    "API's event loop waiting for its core, bookings phase": 0,
    "POST latency p99": 1,
    "sold-out refusals (409)": 1,
    "confirmed orders/min, one event": 1,
}


def assert_run_table(out_dir: Path) -> None:
    """The table of the run: each row of the sale once, with its targets and a ratio to the
    ceiling of the same run, between the two calibrations (which values: never asserted)."""
    [result] = out_dir.glob("sale-*.json")
    figures = json.loads(result.read_text())["figures"]
    headline = {f["name"]: f for f in figures if f["headline"]}
    assert set(headline) == set(SALE_ROWS)
    for name, targets in SALE_ROWS.items():
        assert len(headline[name]["targets"]) == targets, name
    for name in ("no-op POST in the application", "bookings accepted (202)"):
        assert "ceiling" in headline[name]["ratios"], name

    output = run_bench("table", "--out-dir", str(out_dir))
    lines = output.splitlines()
    start, end = (
        next(i for i, line in enumerate(lines) if line.startswith(f"calibration at {when}:"))
        for when in ("start", "end")
    )
    table = lines[start:end]
    for name in SALE_ROWS:
        assert sum(name in line for line in table) == 1, name
    assert "not in this run: fanout-stack" in output  # the smoke ran no fan-out
    assert "PASS" in output or "MISS" in output


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
