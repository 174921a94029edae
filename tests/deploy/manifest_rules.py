"""The rules every rendered manifest of the Helm chart must follow, as functions of the parsed
documents. Each returns the violations it found (empty when none), so a test can show the
whole list and `test_manifest_rules.py` can prove each one fails on a broken manifest."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

Manifest = dict[str, Any]
Rule = Callable[[list[Manifest]], list[str]]

_POD_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job"})
# The names of secrets; the database's and Redis's URLs carry their passwords.
_SECRET_KEY = re.compile(
    r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY|CREDENTIAL|DATABASE_URL|REDIS_URL", re.IGNORECASE
)
# user:password@ in a URL: a credential whatever the key is called.
_CREDENTIALS_IN_URL = re.compile(r"://[^/@\s:]*:[^/@\s]+@")


def name_of(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def pod_templates(manifests: list[Manifest]) -> Iterator[tuple[Manifest, Manifest]]:
    """Each workload with its pod template (metadata and spec)."""
    for manifest in manifests:
        if manifest["kind"] in _POD_TEMPLATE_KINDS:
            yield manifest, manifest["spec"]["template"]
        elif manifest["kind"] == "CronJob":
            yield manifest, manifest["spec"]["jobTemplate"]["spec"]["template"]


def _containers(pod_spec: Manifest) -> list[Manifest]:
    return [*pod_spec.get("initContainers", []), *pod_spec["containers"]]


def _selects(selector: Manifest, labels: dict[str, str]) -> bool:
    """Whether a label selector with matchLabels only (the chart uses no expressions)
    selects these labels; an empty selector selects every pod."""
    if set(selector) - {"matchLabels"}:
        raise ValueError(f"only matchLabels selectors are understood: {selector}")
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def containers_are_hardened(manifests: list[Manifest]) -> list[str]:
    """Non-root with a numeric user, read-only root file system with an emptyDir /tmp, no
    privilege escalation, every capability dropped, the runtime's seccomp profile."""
    violations = []
    for workload, template in pod_templates(manifests):
        pod = template["spec"]
        pod_context = pod.get("securityContext", {})
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in _containers(pod):
            where = f"{name_of(workload)} container {container['name']}"
            context = {**pod_context, **container.get("securityContext", {})}
            if context.get("runAsNonRoot") is not True:
                violations.append(f"{where}: runAsNonRoot is not true")
            user = context.get("runAsUser")
            if not isinstance(user, int) or isinstance(user, bool) or user <= 0:
                violations.append(f"{where}: runAsUser is not a numeric non-root user")
            if container.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
                violations.append(f"{where}: the root file system is writable")
            if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
                violations.append(f"{where}: allowPrivilegeEscalation is not false")
            if "ALL" not in container.get("securityContext", {}).get("capabilities", {}).get(
                "drop", []
            ):
                violations.append(f"{where}: capabilities do not drop ALL")
            if context.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                violations.append(f"{where}: seccompProfile is not RuntimeDefault")
            tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            if not tmp or tmp[0]["name"] not in empty_dirs:
                violations.append(f"{where}: /tmp is not an emptyDir")
    return violations


def containers_have_requests_and_limits(manifests: list[Manifest]) -> list[str]:
    violations = []
    for workload, template in pod_templates(manifests):
        for container in _containers(template["spec"]):
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                missing = {"cpu", "memory"} - set(resources.get(kind, {}))
                if missing:
                    violations.append(
                        f"{name_of(workload)} container {container['name']}: no {kind} "
                        f"for {', '.join(sorted(missing))}"
                    )
    return violations


def deployments_have_probes(manifests: list[Manifest]) -> list[str]:
    violations = []
    for workload, template in pod_templates(manifests):
        if workload["kind"] != "Deployment":
            continue
        for container in template["spec"]["containers"]:
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if probe not in container:
                    violations.append(
                        f"{name_of(workload)} container {container['name']}: no {probe}"
                    )
    return violations


def network_policies_cover_every_pod(manifests: list[Manifest]) -> list[str]:
    """A default deny (both directions, no rule) and, for every pod, a policy selecting it."""
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    violations = []
    if not any(
        {"Ingress", "Egress"} <= set(p["spec"].get("policyTypes", []))
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in policies
    ):
        violations.append("no default-deny NetworkPolicy (Ingress and Egress, no rule)")
    for workload, template in pod_templates(manifests):
        labels = template["metadata"].get("labels", {})
        if not any(_selects(p["spec"]["podSelector"], labels) for p in policies):
            violations.append(f"{name_of(workload)}: no NetworkPolicy selects its pods")
    return violations


def _fewest_replicas(deployment: Manifest, manifests: list[Manifest]) -> int:
    """The replica count, or the floor of the autoscaler (HPA or KEDA) that owns it."""
    fewest = int(deployment["spec"].get("replicas", 1))
    name = deployment["metadata"]["name"]
    for scaler in manifests:
        target = scaler.get("spec", {}).get("scaleTargetRef", {}).get("name")
        if target != name:
            continue
        if scaler["kind"] == "HorizontalPodAutoscaler":
            fewest = max(fewest, int(scaler["spec"].get("minReplicas", 1)))
        elif scaler["kind"] == "ScaledObject":
            fewest = max(fewest, int(scaler["spec"].get("minReplicaCount", 0)))
    return fewest


def disruption_budgets_guard_replicated_deployments(manifests: list[Manifest]) -> list[str]:
    """A PodDisruptionBudget for every Deployment that runs more than one pod, and never one
    with both minAvailable and maxUnavailable (the API server refuses it)."""
    budgets = [m for m in manifests if m["kind"] == "PodDisruptionBudget"]
    violations = [
        f"{name_of(b)}: sets both minAvailable and maxUnavailable"
        for b in budgets
        if {"minAvailable", "maxUnavailable"} <= set(b["spec"])
    ]
    for workload, template in pod_templates(manifests):
        if workload["kind"] != "Deployment" or _fewest_replicas(workload, manifests) <= 1:
            continue
        labels = template["metadata"].get("labels", {})
        if not any(_selects(b["spec"]["selector"], labels) for b in budgets):
            violations.append(f"{name_of(workload)}: more than one pod and no PodDisruptionBudget")
    return violations


def images_are_pinned(manifests: list[Manifest]) -> list[str]:
    """Every image names a version or a digest, never `latest`."""
    violations = []
    for workload, template in pod_templates(manifests):
        for container in _containers(template["spec"]):
            image = container["image"]
            reference, _, digest = image.partition("@")
            last_part = reference.rsplit("/", 1)[-1]
            tag = last_part.partition(":")[2]
            if tag == "latest":
                violations.append(f"{name_of(workload)}: image {image} is tagged latest")
            elif not tag and not digest:
                violations.append(f"{name_of(workload)}: image {image} has no tag or digest")
    return violations


def no_service_account_token_is_mounted(manifests: list[Manifest]) -> list[str]:
    violations = [
        f"{name_of(m)}: automountServiceAccountToken is not false"
        for m in manifests
        if m["kind"] == "ServiceAccount" and m.get("automountServiceAccountToken") is not False
    ]
    violations += [
        f"{name_of(workload)}: its pods mount a service account token"
        for workload, template in pod_templates(manifests)
        if template["spec"].get("automountServiceAccountToken") is not False
    ]
    return violations


def config_maps_hold_no_secret(manifests: list[Manifest]) -> list[str]:
    violations = []
    for manifest in manifests:
        if manifest["kind"] != "ConfigMap":
            continue
        for key, value in manifest.get("data", {}).items():
            if _SECRET_KEY.search(key):
                violations.append(f"{name_of(manifest)}: {key} is a secret")
            elif isinstance(value, str) and _CREDENTIALS_IN_URL.search(value):
                violations.append(f"{name_of(manifest)}: {key} holds a URL with credentials")
    return violations


RULES: tuple[Rule, ...] = (
    containers_are_hardened,
    containers_have_requests_and_limits,
    deployments_have_probes,
    network_policies_cover_every_pod,
    disruption_budgets_guard_replicated_deployments,
    images_are_pinned,
    no_service_account_token_is_mounted,
    config_maps_hold_no_secret,
)
