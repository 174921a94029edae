"""yamllint on every YAML file of the deployment this repository keeps (compose and its
Prometheus and Grafana files, the workflows, the composite action, Minikube's services);
Minikube's services each select the pods of their StatefulSet."""

from __future__ import annotations

import yaml

from tests.conftest import REPO
from tests.deploy.tools import assert_clean, run_tool

CONFIG = REPO / "tests" / "deploy" / "yamllint.yaml"


def test_yamllint_finds_nothing() -> None:
    checked = [REPO / "deploy" / "compose", REPO / "deploy" / "minikube", REPO / ".github"]
    done = run_tool("yamllint", "--strict", "--config-file", CONFIG, *checked)
    assert_clean(done)


def test_each_minikube_service_selects_its_statefulset() -> None:
    documents = list(yaml.safe_load_all((REPO / "deploy/minikube/services.yaml").read_text()))
    kinds = {(d["kind"], d["metadata"]["name"]): d for d in documents}
    services = [name for kind, name in kinds if kind == "Service"]
    assert sorted(services) == ["kafka", "postgres", "redis"]
    for name in services:
        statefulset = kinds[("StatefulSet", name)]["spec"]
        labels = statefulset["template"]["metadata"]["labels"]
        selector = kinds[("Service", name)]["spec"]["selector"]
        assert selector.items() <= labels.items() and statefulset["serviceName"] == name
        assert statefulset["selector"]["matchLabels"].items() <= labels.items()
