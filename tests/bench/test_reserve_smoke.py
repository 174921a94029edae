"""`python -m bench reserve` with small rounds: it keeps working, and every round of either
path sells its stock out exactly (the bench fails otherwise). No timing is asserted."""

from __future__ import annotations

from tests.bench.test_bench_smoke import run_bench


def test_reserve_bench_smoke(redis_url: str) -> None:
    out = run_bench("reserve", "--reservations", "500", "--rounds", "1", "--redis-url", redis_url)

    assert "multi-step (cluster)" in out
    assert "single node / multi-step" in out


def test_reserve_bench_smoke_with_sub_stocks(redis_cluster_url: str) -> None:
    """One ticket type in 1 and 2 sub-stocks on the cluster: each round's reservations and
    refusals keep the invariants (the bench fails otherwise)."""
    out = run_bench(
        "reserve",
        "--sub-stocks",
        "1,2",
        "--reservations",
        "300",
        "--rounds",
        "1",
        "--redis-cluster-url",
        redis_cluster_url,
    )

    assert "K=2:" in out
    assert "sold-out refusals/s" in out
