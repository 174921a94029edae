"""The Helm chart, offline: linted strictly, rendered with each values file, every rendered
object validated against Kubernetes' own strict JSON schemas, checked against the rules of
`manifest_rules.py`, and the production render scored by kube-score.

The tools come from `scripts/tools install` (`make test` runs it and puts var/tools/bin on
PATH); a missing tool fails the test with the command that installs it."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.deploy import manifest_rules
from tests.deploy.manifest_rules import Manifest
from tests.deploy.tools import tool

CHART = REPO / "deploy" / "helm" / "bolttickets"
VALUES_FILES = ("values-minikube.yaml", "values-staging.yaml", "values-production.yaml")
# The schemas' version; the chart's kubeVersion allows it, and helm needs one (a helm built
# from source assumes v1.20, older than the chart accepts).
KUBE_VERSION = "1.33.0"
# Custom resources have no schema among Kubernetes' own: the kube-apiserver test
# (tests/deploy/test_kube_server_dry_run.py) validates them with their CRDs.
CUSTOM_KINDS = frozenset(
    {
        "ScaledObject",
        "TriggerAuthentication",
        "ServiceMonitor",
        "PrometheusRule",
        "SecretProviderClass",
    }
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)


def helm(*args: str) -> str:
    result = run(tool("helm"), *args, "--kube-version", KUBE_VERSION)
    assert result.returncode == 0, f"helm {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def renders() -> dict[str, list[Manifest]]:
    """Each values file's rendered objects, as `helm install` would create them."""
    return {
        values: [
            doc
            for doc in yaml.safe_load_all(
                helm("template", "bolttickets", str(CHART), "--values", str(CHART / values))
            )
            if doc
        ]
        for values in VALUES_FILES
    }


@pytest.mark.parametrize("values", VALUES_FILES)
def test_the_chart_lints_strictly(values: str) -> None:
    output = helm("lint", "--strict", str(CHART), "--values", str(CHART / values))
    assert "1 chart(s) linted, 0 chart(s) failed" in output


@pytest.mark.parametrize(
    ("setting", "refusal"),
    [
        ('image.tag="latest"', "/image/tag"),
        ('web.image.tag="latest"', "/web/image/tag"),
        ("networkPolicy.postgres.to=[]", "networkPolicy.postgres.to must name where"),
        ("networkPolicy.dns.to=[]", "networkPolicy.dns.to must name the cluster DNS"),
        ("api.replica=3", "additional properties 'replica' not allowed"),
        ("api.resources.limits=null", "/api/resources"),
        ('kafka.securityProtocol="SCRAM"', "/kafka/securityProtocol"),
        ('kafka.saslUsername=""', "kafka.saslUsername is required with a SASL_*"),
        ("app.waitingRoomTickMs=10", "/app/waitingRoomTickMs"),
    ],
)
def test_the_chart_refuses_unsafe_values(setting: str, refusal: str) -> None:
    """What would deploy something unpinned, open or unbounded fails at render time."""
    values = CHART / "values-staging.yaml"
    result = run(
        tool("helm"),
        "template",
        "bolttickets",
        str(CHART),
        "--values",
        str(values),
        "--set-json",
        setting,
        "--kube-version",
        KUBE_VERSION,
    )
    assert result.returncode != 0
    assert refusal in result.stderr


def test_every_rendered_object_meets_kubernetes_strict_schemas(
    renders: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    files = []
    for values, manifests in renders.items():
        core = [m for m in manifests if m["kind"] not in CUSTOM_KINDS]
        files.append(tmp_path / values)
        files[-1].write_text(yaml.safe_dump_all(core))
    result = run(
        tool("kubernetes-validate"), "--strict", "--quiet", "-k", KUBE_VERSION, *map(str, files)
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # An unknown kind (a typo, a CRD not listed above) is only a warning to the validator.
    assert "Couldn't find schema" not in report


@pytest.mark.parametrize("values", VALUES_FILES)
@pytest.mark.parametrize("rule", manifest_rules.RULES, ids=lambda rule: rule.__name__)
def test_the_render_follows_the_rule(
    renders: dict[str, list[Manifest]], values: str, rule: manifest_rules.Rule
) -> None:
    assert rule(renders[values]) == []


def test_production_has_no_critical_kube_score_finding(
    renders: dict[str, list[Manifest]], tmp_path: Path
) -> None:
    """Each check the chart ignores is named in a `kube-score/ignore` annotation, with the
    reason beside it in templates/_helpers.tpl. Its warnings stand: it asks for host
    anti-affinity where the pods spread over hosts with topologySpreadConstraints, and it
    counts the workers' replicas without seeing that KEDA owns them."""
    rendered = tmp_path / "production.yaml"
    rendered.write_text(yaml.safe_dump_all(renders["values-production.yaml"]))
    kubernetes = "v" + KUBE_VERSION.rsplit(".", 1)[0]
    result = run(
        tool("kube-score"),
        "score",
        "--kubernetes-version",
        kubernetes,
        "--output-format",
        "ci",
        str(rendered),
    )
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("[CRITICAL]")] == []
    assert result.returncode == 0, result.stdout + result.stderr
    # It scored the workloads, rather than finding nothing to score.
    assert any(line.startswith("[OK] bolttickets-api apps/v1/Deployment") for line in lines)


def _value_paths(values: Manifest, prefix: str = "") -> list[str]:
    """The dotted path of every value a user sets; resource requests and limits are one
    value each, as are the maps and lists that are empty by default."""
    paths = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in ("requests", "limits"):
            paths += _value_paths(value, f"{path}.")
        else:
            paths.append(path)
    return paths


def test_the_readme_describes_every_value() -> None:
    readme = (CHART / "README.md").read_text()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert [path for path in _value_paths(values) if f"`{path}`" not in readme] == []


def _undescribed(schema: Manifest, path: str) -> list[str]:
    undescribed = []
    for key, value in schema.get("properties", {}).items():
        here = f"{path}.{key}"
        if "description" not in value:
            undescribed.append(here)
        undescribed += _undescribed(value, here)
    return undescribed


def test_the_schema_describes_every_value() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    undescribed = _undescribed(schema, "")
    for name, definition in schema["$defs"].items():
        undescribed += _undescribed(definition, f"$defs.{name}")
    assert undescribed == []


def test_the_rules_and_dashboards_are_deploy_observabilitys_own(
    renders: dict[str, list[Manifest]],
) -> None:
    """Written once in deploy/observability, reached through the chart's symlinks."""
    production = renders["values-production.yaml"]
    observability = REPO / "deploy" / "observability"
    [rule] = [m for m in production if m["kind"] == "PrometheusRule"]
    alerts = yaml.safe_load((observability / "prometheus" / "alerts.yml").read_text())
    assert rule["spec"]["groups"] == alerts["groups"]
    dashboards = {
        key: json.loads(content)
        for m in production
        if m["kind"] == "ConfigMap" and m["metadata"]["labels"].get("grafana_dashboard") == "1"
        for key, content in m["data"].items()
    }
    files = (observability / "grafana" / "dashboards").glob("*.json")
    assert dashboards == {file.name: json.loads(file.read_text()) for file in files}


def test_the_web_page_proxies_to_its_own_releases_api(renders: dict[str, list[Manifest]]) -> None:
    [nginx] = [
        m for m in renders["values-production.yaml"] if m["metadata"]["name"].endswith("-nginx")
    ]
    conf = nginx["data"]["nginx.conf"]
    assert "server bolttickets-api.default.svc:8000;" in conf
    assert "server api:8000;" not in conf


def test_a_canary_leaves_the_rules_and_dashboards_to_the_main_release() -> None:
    """Two PrometheusRules of the same recording rules would record every series twice."""
    canary = helm(
        "template",
        "bolttickets-canary",
        str(CHART),
        "--values",
        str(CHART / "values-production.yaml"),
        "--set",
        "ingress.canary.enabled=true",
        "--set",
        "ingress.canary.weight=10",
    )
    manifests = [m for m in yaml.safe_load_all(canary) if m]
    [ingress] = [m for m in manifests if m["kind"] == "Ingress"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary"] == "true"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "10"
    assert not [m for m in manifests if m["kind"] == "PrometheusRule"]
    assert not [m for m in manifests if "grafana_dashboard" in m["metadata"].get("labels", {})]
    assert [m for m in manifests if m["kind"] == "ServiceMonitor"]


def test_prometheus_reaches_the_apis_internal_port_only(renders: dict[str, list[Manifest]]) -> None:
    """The API's public port serves no metrics (docs/security.md): the scrape, its Service
    port and the NetworkPolicy that lets Prometheus in all name the internal one."""
    manifests = renders["values-production.yaml"]

    def api(kind: str) -> Manifest:
        [found] = [
            m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == "bolttickets-api"
        ]
        return found

    [container] = api("Deployment")["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    internal = int(args[args.index("--metrics-port") + 1])
    assert internal != int(args[args.index("--port") + 1])
    assert args[args.index("--metrics-host") + 1] == "0.0.0.0"
    assert {"name": "metrics", "containerPort": internal} in container["ports"]
    assert {p["name"]: p["port"] for p in api("Service")["spec"]["ports"]}["metrics"] == internal
    monitors = [m for m in manifests if m["kind"] == "ServiceMonitor"]
    assert {m["metadata"]["name"] for m in monitors} == {"bolttickets-api", "bolttickets-worker"}
    for monitor in monitors:
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
    from_prometheus = [
        rule
        for rule in api("NetworkPolicy")["spec"]["ingress"]
        if any("prometheus" in str(peer) for peer in rule["from"])
    ]
    assert [[p["port"] for p in rule["ports"]] for rule in from_prometheus] == [[internal]]


def test_the_waiting_rooms_knobs_reach_every_app_pod() -> None:
    """Its tick in the ConfigMap; its pass key, optional, in the Secret every pod reads
    (every API process must sign and check passes with the same one)."""
    key = "a-pass-key-of-32-characters-or-more-0123"
    manifests = [
        m
        for m in yaml.safe_load_all(
            helm(
                "template",
                "bolttickets",
                str(CHART),
                "--values",
                str(CHART / "values-minikube.yaml"),
                "--set",
                "app.waitingRoomTickMs=250",
                "--set",
                f"secrets.values.BOLT_ADMISSION_PASS_SECRET={key}",
            )
        )
        if m
    ]
    [config] = [m for m in manifests if m["metadata"]["name"] == "bolttickets-config"]
    assert config["data"]["BOLT_WAITING_ROOM_TICK_MS"] == "250"
    [secret] = [m for m in manifests if m["metadata"]["name"] == "bolttickets-secrets"]
    assert base64.b64decode(secret["data"]["BOLT_ADMISSION_PASS_SECRET"]).decode() == key
    unset = helm(
        "template", "bolttickets", str(CHART), "--values", str(CHART / "values-minikube.yaml")
    )
    assert "BOLT_ADMISSION_PASS_SECRET" not in unset
    assert 'BOLT_WAITING_ROOM_TICK_MS: "500"' in unset
