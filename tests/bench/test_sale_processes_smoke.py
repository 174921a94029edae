"""`bench sale --smoke --api-processes 2`: the sale through `serve --processes 2` keeps the
invariants. Never a timing: this machine is shared."""

from __future__ import annotations

from pathlib import Path

from tests.bench.test_bench_smoke import assert_invariants_held, run_smoke, services


def test_smoke_on_two_api_processes(
    tmp_path: Path, postgres_admin_url: str, redis_url: str, kafka_bootstrap: str
) -> None:
    stack = services(postgres_admin_url, redis_url, kafka_bootstrap)
    document = run_smoke(tmp_path, "--mode", "stack", "--api-processes", "2", *stack)
    assert_invariants_held(document)
    plan = document["plan"]
    assert isinstance(plan, dict) and plan["api_processes"] == 2
