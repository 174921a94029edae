"""Each rule of `manifest_rules.py` passes a small sound render and fails the same render
broken in the one way it guards against, so a rule that cannot fail is caught here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.deploy import manifest_rules
from tests.deploy.manifest_rules import Manifest

LABELS = {"app.kubernetes.io/instance": "bolt", "app.kubernetes.io/component": "api"}


def sound_render() -> list[Manifest]:
    """An API Deployment of two pods as the chart renders it, with what it needs around it."""
    container = {
        "name": "api",
        "image": "ghcr.io/bolttickets/bolttickets:0.1.0",
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "livenessProbe": {"httpGet": {"path": "/health/live", "port": "http"}},
        "readinessProbe": {"httpGet": {"path": "/health/ready", "port": "http"}},
        "startupProbe": {"httpGet": {"path": "/health/live", "port": "http"}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "bolt-api"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }
    return [
        deployment,
        {
            "kind": "NetworkPolicy",
            "metadata": {"name": "bolt-default-deny"},
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/instance": "bolt"}},
                "policyTypes": ["Ingress", "Egress"],
            },
        },
        {
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "bolt-api"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(LABELS)}},
        },
        {
            "kind": "ServiceAccount",
            "metadata": {"name": "bolt"},
            "automountServiceAccountToken": False,
        },
        {
            "kind": "ConfigMap",
            "metadata": {"name": "bolt-config"},
            "data": {"BOLT_KAFKA_BOOTSTRAP": "kafka:9092", "BOLT_JWT_TTL_SECONDS": "3600"},
        },
    ]


def _container(render: list[Manifest]) -> dict[str, Any]:
    container: dict[str, Any] = render[0]["spec"]["template"]["spec"]["containers"][0]
    return container


def _remove(render: list[Manifest], kind: str) -> None:
    render[:] = [m for m in render if m["kind"] != kind]


def _autoscaled_without_budget(render: list[Manifest]) -> None:
    render[0]["spec"]["replicas"] = 1
    _remove(render, "PodDisruptionBudget")
    render.append(
        {
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "bolt-api"},
            "spec": {"scaleTargetRef": {"name": "bolt-api"}, "minReplicas": 3},
        }
    )


Breakage = Callable[[list[Manifest]], None]
BROKEN: list[tuple[manifest_rules.Rule, str, Breakage]] = [
    (
        manifest_rules.containers_are_hardened,
        "runs as root",
        lambda r: _container(r)["securityContext"].update(runAsNonRoot=False, runAsUser=0),
    ),
    (
        manifest_rules.containers_are_hardened,
        "writable root",
        lambda r: _container(r)["securityContext"].pop("readOnlyRootFilesystem"),
    ),
    (
        manifest_rules.containers_are_hardened,
        "keeps capabilities",
        lambda r: _container(r)["securityContext"].pop("capabilities"),
    ),
    (
        manifest_rules.containers_are_hardened,
        "may escalate",
        lambda r: _container(r)["securityContext"].update(allowPrivilegeEscalation=True),
    ),
    (
        manifest_rules.containers_are_hardened,
        "no seccomp profile",
        lambda r: _container(r)["securityContext"].pop("seccompProfile"),
    ),
    (
        manifest_rules.containers_are_hardened,
        "no /tmp",
        lambda r: _container(r).pop("volumeMounts"),
    ),
    (
        manifest_rules.containers_have_requests_and_limits,
        "no memory limit",
        lambda r: _container(r)["resources"]["limits"].pop("memory"),
    ),
    (
        manifest_rules.containers_have_requests_and_limits,
        "no requests",
        lambda r: _container(r)["resources"].pop("requests"),
    ),
    (
        manifest_rules.deployments_have_probes,
        "no startup probe",
        lambda r: _container(r).pop("startupProbe"),
    ),
    (
        manifest_rules.network_policies_cover_every_pod,
        "no default deny",
        lambda r: _remove(r, "NetworkPolicy"),
    ),
    (
        manifest_rules.network_policies_cover_every_pod,
        "pods of another release",
        lambda r: r[0]["spec"]["template"]["metadata"]["labels"].update(
            {"app.kubernetes.io/instance": "other"}
        ),
    ),
    (
        manifest_rules.disruption_budgets_guard_replicated_deployments,
        "two replicas, no budget",
        lambda r: _remove(r, "PodDisruptionBudget"),
    ),
    (
        manifest_rules.disruption_budgets_guard_replicated_deployments,
        "an autoscaler's floor of three, no budget",
        _autoscaled_without_budget,
    ),
    (
        manifest_rules.disruption_budgets_guard_replicated_deployments,
        "both minAvailable and maxUnavailable",
        lambda r: r[2]["spec"].update(minAvailable=1),
    ),
    (
        manifest_rules.images_are_pinned,
        "latest",
        lambda r: _container(r).update(image="ghcr.io/bolttickets/bolttickets:latest"),
    ),
    (
        manifest_rules.images_are_pinned,
        "untagged (a registry port is no tag)",
        lambda r: _container(r).update(image="registry.local:5000/bolttickets"),
    ),
    (
        manifest_rules.no_service_account_token_is_mounted,
        "the pod mounts a token",
        lambda r: r[0]["spec"]["template"]["spec"].pop("automountServiceAccountToken"),
    ),
    (
        manifest_rules.no_service_account_token_is_mounted,
        "the ServiceAccount mounts a token",
        lambda r: r[3].update(automountServiceAccountToken=True),
    ),
    (
        manifest_rules.config_maps_hold_no_secret,
        "a secret's name",
        lambda r: r[4]["data"].update(BOLT_JWT_SECRET="x" * 32),
    ),
    (
        manifest_rules.config_maps_hold_no_secret,
        "credentials in a URL",
        lambda r: r[4]["data"].update(BOLT_KAFKA_BOOTSTRAP="kafka://user:hunter2@kafka:9092"),
    ),
]


@pytest.mark.parametrize("rule", manifest_rules.RULES, ids=lambda rule: rule.__name__)
def test_a_sound_render_follows_the_rule(rule: manifest_rules.Rule) -> None:
    assert rule(sound_render()) == []


def test_every_rule_is_shown_to_fail() -> None:
    assert {rule for rule, _, _ in BROKEN} == set(manifest_rules.RULES)


@pytest.mark.parametrize(
    ("rule", "breakage"),
    [(rule, breakage) for rule, _, breakage in BROKEN],
    ids=[f"{rule.__name__}: {case}" for rule, case, _ in BROKEN],
)
def test_a_broken_render_fails_the_rule(rule: manifest_rules.Rule, breakage: Breakage) -> None:
    render = sound_render()
    breakage(render)
    assert rule(render) != []
