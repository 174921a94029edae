"""The GitHub Actions workflows: actionlint finds nothing (expressions, contexts, the local
composite action's inputs, shell), CI runs `make test` as .ci/run does, and a release goes
through staging before a reviewed, gated production."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import REPO
from tests.deploy.tools import assert_clean, run_tool

WORKFLOWS = REPO / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the bare key `on` as True.
    loaded["on"] = loaded.pop(True)
    return loaded


def test_actionlint_finds_nothing() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["ci.yml", "deploy.yml"]
    assert_clean(run_tool("actionlint", "-no-color", *files))


def test_ci_runs_make_test_on_every_push_and_pull_request() -> None:
    ci = workflow("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    runs = [step["run"] for job in ci["jobs"].values() for step in job["steps"] if "run" in step]
    assert runs == ["make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text().splitlines()


def test_a_release_goes_through_staging_then_a_reviewed_production() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"]["push"] == {"tags": ["v*"]}
    jobs = deploy["jobs"]
    assert jobs["staging"]["needs"] == "images" and jobs["production"]["needs"] == "staging"
    assert jobs["staging"]["environment"]["name"] == "staging"
    assert jobs["production"]["environment"]["name"] == "production"
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
    staging = "\n".join(step.get("run", "") for step in jobs["staging"]["steps"])
    assert "--atomic" in staging and "values-staging.yaml" in staging
    assert "deploy/scripts/smoke.py" in staging
    production = jobs["production"]["steps"]
    script = "\n".join(step.get("run", "") for step in production)
    assert "ingress.canary.weight" in script and "deploy/scripts/canary_gate.py" in script
    [rollback] = [step for step in production if step.get("if") == "failure()"]
    assert "helm uninstall" in rollback["run"] and "helm rollback" in rollback["run"]
