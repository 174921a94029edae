"""yamllint on every YAML file of the deployment this repository keeps (compose and its
Prometheus and Grafana files, the workflows, the composite action)."""

from __future__ import annotations

from tests.conftest import REPO
from tests.deploy.tools import assert_clean, run_tool

CONFIG = REPO / "tests" / "deploy" / "yamllint.yaml"


def test_yamllint_finds_nothing() -> None:
    checked = [REPO / "deploy" / "compose", REPO / ".github"]
    done = run_tool("yamllint", "--strict", "--config-file", CONFIG, *checked)
    assert_clean(done)
