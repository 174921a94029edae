"""deploy/compose: valid against the Compose specification, and every name it uses is
defined: services, volumes, networks, depends_on targets, files it mounts and builds from
(the observability files among them), and the files Prometheus and Grafana are told to
load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.deploy.tools import assert_clean, run_tool

COMPOSE_DIR = REPO / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def test_valid_against_the_compose_specification() -> None:
    # check-jsonschema's bundled copy of the specification's schema: no network.
    assert_clean(
        run_tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", COMPOSE_FILE)
    )


def mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each volume of a service, short or long syntax."""
    found = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        found.append((source, target))
    return found


def is_path(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def test_every_named_thing_is_defined(compose: dict[str, Any]) -> None:
    services = compose["services"]
    volumes = set(compose.get("volumes") or {})
    networks = set(compose.get("networks") or {}) | {"default"}
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert set(depends_on) <= set(services), f"{name} depends on {set(depends_on)}"
        for source, _ in mounts(service):
            assert is_path(source) or source in volumes, f"{name}: volume {source} undefined"
        assert set(service.get("networks", [])) <= networks, f"{name}: {service['networks']}"
        assert "image" in service or "build" in service, f"{name} has no image"


def test_every_file_it_mounts_or_builds_from_exists(compose: dict[str, Any]) -> None:
    missing = []
    for name, service in compose["services"].items():
        missing += [
            f"{name}: {source}"
            for source, _ in mounts(service)
            if is_path(source) and not (COMPOSE_DIR / source).exists()
        ]
        if build := service.get("build"):
            context = COMPOSE_DIR / build["context"]
            if not (context / build["dockerfile"]).is_file():
                missing.append(f"{name}: {build['dockerfile']} in {context}")
    assert not missing, "missing from the repository:\n" + "\n".join(missing)


def test_the_stack_starts_after_its_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["image"] == services["api"]["image"] == services["worker"]["image"]
    unchecked = [n for n, s in services.items() if n != "migrate" and "healthcheck" not in s]
    # The app image and the web image carry their own HEALTHCHECK; Jaeger's has no shell.
    assert sorted(unchecked) == ["api", "jaeger", "web", "worker"]


def mounted_at(compose: dict[str, Any], service: str, target: str) -> Path:
    [source] = [s for s, t in mounts(compose["services"][service]) if t.rstrip("/") == target]
    return (COMPOSE_DIR / source).resolve()


def test_prometheus_scrapes_both_roles_and_loads_the_alert_rules(compose: dict[str, Any]) -> None:
    config = yaml.safe_load(
        mounted_at(compose, "prometheus", "/etc/prometheus/prometheus.yml").read_text()
    )
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    ports = {
        name: job["dns_sd_configs"][0]["port"]
        for name, job in jobs.items()
        if "dns_sd_configs" in job
    }
    # The internal ports: the API's public port 8000 serves no metrics.
    assert ports == {"bolttickets-api": 9100, "bolttickets-worker": 9100}
    api = compose["services"]["api"]["command"]
    assert api[api.index("--metrics-port") + 1] == "9100"
    assert api[api.index("--metrics-host") + 1] == "0.0.0.0"
    [rules] = config["rule_files"]
    assert (
        mounted_at(compose, "prometheus", rules)
        == REPO / "deploy/observability/prometheus/alerts.yml"
    )


def test_grafana_provisions_the_mounted_dashboards(compose: dict[str, Any]) -> None:
    provisioning = mounted_at(compose, "grafana", "/etc/grafana/provisioning")
    [provider] = yaml.safe_load((provisioning / "dashboards" / "bolttickets.yaml").read_text())[
        "providers"
    ]
    dashboards = mounted_at(compose, "grafana", provider["options"]["path"])
    assert dashboards == REPO / "deploy/observability/grafana/dashboards"
    sources = yaml.safe_load((provisioning / "datasources" / "datasources.yaml").read_text())
    urls = {source["type"]: source["url"] for source in sources["datasources"]}
    assert urls == {"prometheus": "http://prometheus:9090", "jaeger": "http://jaeger:16686"}


def test_the_services_trace_to_jaeger(compose: dict[str, Any]) -> None:
    for name in ("api", "worker", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["BOLT_OTLP_ENDPOINT"] == "http://jaeger:4318"
