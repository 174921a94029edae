"""`python -m bench reserve` with small rounds: it keeps working, and every round of either
path sells its stock out exactly (the bench fails otherwise). No timing is asserted."""

from __future__ import annotations

from tests.bench.test_bench_smoke import run_bench


def test_reserve_bench_smoke(redis_url: str) -> None:
    out = run_bench("reserve", "--reservations", "500", "--rounds", "1", "--redis-url", redis_url)

    assert "multi-step (cluster)" in out
    assert "single node / multi-step" in out
