"""The Helm chart as a real Kubernetes API server sees it.

Schema checks (helm lint, kubeconform) know each field's type; the API server also runs
the validation written in Go for every kind, the defaulting, the admission plugins and
the custom resources' own schemas. Each values file is installed with ``--dry-run=server``
with every optional feature on, and what it renders is applied with ``--dry-run=server``:
the server checks all of it and stores none of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.deploy.kubeapi import KubeAPI, kube_api

# The session's API server: a fixture imported here is one pytest finds for this module.
__all__ = ["kube_api"]

CHART = REPO / "deploy" / "helm" / "bolttickets"
HERE = Path(__file__).resolve().parent
CRDS = HERE / "crds"
# Each values file with the provider of its secrets store (the one it names, or azure, the
# chart's default), and production once more with the other provider.
CASES = (
    ("values-minikube.yaml", "azure"),
    ("values-staging.yaml", "azure"),
    ("values-production.yaml", "azure"),
    ("values-production.yaml", "aws"),
)
# Every optional feature on, so that every template of the chart meets the server.
EVERY_OPTIONAL_FEATURE = HERE / "every-optional-feature.yaml"
# The kinds the optional features add: proof that the switches above reached the chart.
OPTIONAL_KINDS = {
    "scaledobject.keda.sh",
    "servicemonitor.monitoring.coreos.com",
    "prometheusrule.monitoring.coreos.com",
    "secretproviderclass.secrets-store.csi.x-k8s.io",
}


@pytest.fixture(scope="module")
def cluster(kube_api: KubeAPI) -> KubeAPI:
    """The API server with the operators' CustomResourceDefinitions served."""
    kube_api.check("kubectl", "apply", "--server-side", "--filename", str(CRDS))
    kube_api.check(
        "kubectl", "wait", "--for=condition=Established", "--timeout=120s", "--filename", str(CRDS)
    )
    return kube_api


# Session-scoped, so that pytest asks for it before the API server it starts.
@pytest.fixture(scope="session")
def chart() -> Path:
    # Failed, not skipped: a missing chart is what this module must never let pass.
    assert (CHART / "Chart.yaml").is_file(), f"no Helm chart at {CHART}"
    return CHART


def rendered(release: dict[str, object]) -> str:
    """Every manifest of a release, its hooks included: all of it reaches a cluster."""
    hooks = release.get("hooks") or []
    assert isinstance(hooks, list)
    return "\n---\n".join([str(release["manifest"]), *(str(hook["manifest"]) for hook in hooks)])


@pytest.mark.parametrize(("values", "provider"), CASES)
def test_every_values_file_is_accepted_by_a_real_api_server(
    chart: Path, cluster: KubeAPI, values: str, provider: str
) -> None:
    environment = values.removeprefix("values-").removesuffix(".yaml")
    namespace = f"bolt-{environment}-{provider}"
    cluster.check("kubectl", "create", "namespace", namespace)
    release = json.loads(
        cluster.check(
            "helm", "install", "bolttickets", str(chart),
            f"--namespace={namespace}",
            f"--values={chart / values}",
            f"--values={EVERY_OPTIONAL_FEATURE}",
            f"--set=secretsStore.provider={provider}",
            "--dry-run=server",
            "--output=json",
        )
    )  # fmt: skip
    applied = cluster.check(
        "kubectl", "apply", "--dry-run=server", "--validate=strict",
        f"--namespace={namespace}", "--output=name", "--filename=-",
        stdin=rendered(release),
    )  # fmt: skip
    kinds = {line.split("/", 1)[0] for line in applied.split()}
    assert OPTIONAL_KINDS <= kinds, f"optional features not rendered: {OPTIONAL_KINDS - kinds}"


def pod_disruption_budget(**limits: int) -> str:
    return json.dumps(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "api"},
            "spec": {"selector": {"matchLabels": {"app": "api"}}, **limits},
        }
    )


def test_the_server_refuses_what_a_schema_check_accepts(kube_api: KubeAPI) -> None:
    kube_api.check("kubectl", "create", "namespace", "bolt-disruption")
    apply = ("kubectl", "apply", "--dry-run=server", "--namespace=bolt-disruption", "-f", "-")
    # Both fields are valid integers-or-strings in the OpenAPI schema, so kubeconform passes
    # the pair; only the server's own validation knows they exclude each other.
    both = kube_api.run(*apply, stdin=pod_disruption_budget(minAvailable=1, maxUnavailable=1))
    assert both.returncode != 0, both.stdout
    assert "minAvailable and maxUnavailable cannot be both set" in both.stderr, both.stderr
    kube_api.check(*apply, stdin=pod_disruption_budget(minAvailable=1))
