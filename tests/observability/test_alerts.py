"""The alert and recording rules: valid, unit-tested for every alert, each with its runbook,
and reading only metrics that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.conftest import REPO
from tests.observability.promql import check_rules, metric_names, promtool

RULES = REPO / "deploy" / "observability" / "prometheus" / "alerts.yml"
RULE_TESTS = RULES.parent / "tests" / "alerts.test.yml"
OPERATIONS = REPO / "docs" / "operations.md"

# Metrics of Kubernetes' own exporters, which a test Prometheus of processes never has.
EXTERNAL_METRICS = {
    "kube_pod_container_status_restarts_total",  # kube-state-metrics
}


def rule_groups(path: Path) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(path.read_text())["groups"]
    return groups


def alerts() -> list[dict[str, Any]]:
    return [rule for group in rule_groups(RULES) for rule in group["rules"] if "alert" in rule]


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown page."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_metric_names_are_the_selectors_not_functions_labels_or_keywords() -> None:
    expr = (
        'sum by (job) (rate(a_total{status=~"5..", x="y z"}[1m])) / on () group_left () '
        "job:b:rate1m > 1e3 or absent(up) unless time() - c offset 5m"
    )
    assert metric_names(expr) == {"a_total", "job:b:rate1m", "up", "c"}


def test_rules_are_valid() -> None:
    check_rules(RULES)


def test_rule_unit_tests_pass() -> None:
    done = promtool("test", "rules", RULE_TESTS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_case_that_fires_and_one_that_does_not() -> None:
    cases = [
        case
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]
    for alert in alerts():
        name = alert["alert"]
        outcomes = {bool(case.get("exp_alerts")) for case in cases if case["alertname"] == name}
        assert outcomes == {True, False}, f"{name}: needs a firing and a silent case"


def test_every_alert_waits_is_graded_and_has_its_runbook() -> None:
    anchors = github_anchors(OPERATIONS.read_text())
    for alert in alerts():
        name = alert["alert"]
        assert "for" in alert, name
        assert alert["labels"]["severity"] in {"warning", "critical"}, name
        annotations = alert["annotations"]
        assert annotations["summary"] and annotations["description"], name
        page, _, anchor = annotations["runbook_url"].partition("#")
        assert page == "docs/operations.md", name
        assert anchor in anchors, f"{name}: no section #{anchor} in docs/operations.md"


async def test_every_rule_reads_metrics_the_processes_export(scraped_sale: Any) -> None:
    """Against the Prometheus that scraped a sale (and loaded these rules): a misspelt metric
    would leave its alert silent forever."""
    names = await scraped_sale.query('count by (__name__) ({__name__=~".+"})')
    present = {series["metric"]["__name__"] for series in names}
    for group in rule_groups(RULES):
        for rule in group["rules"]:
            missing = metric_names(rule["expr"]) - present - EXTERNAL_METRICS
            assert not missing, f"{rule.get('alert') or rule['record']} reads {sorted(missing)}"


async def test_the_test_prometheus_evaluates_every_rule(scraped_sale: Any) -> None:
    """Loaded and evaluated without error on real series (a many-to-many match, say)."""
    async with httpx.AsyncClient(base_url=scraped_sale.prometheus_url, timeout=10) as client:
        loaded = (await client.get("/api/v1/rules")).json()["data"]["groups"]
    health = {
        rule["name"]: (rule["health"], rule.get("lastError")) for g in loaded for rule in g["rules"]
    }
    for group in rule_groups(RULES):
        for rule in group["rules"]:
            name = rule.get("alert") or rule["record"]
            assert health.get(name, ("not loaded", None))[0] == "ok", f"{name}: {health.get(name)}"
