"""The two images' Dockerfiles: hadolint finds nothing, and the app image keeps the
properties a cluster relies on (a numeric non-root user, a health check without curl, the
one install script)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO
from tests.deploy.tools import assert_clean, run_tool

DOCKER = REPO / "deploy" / "docker"


@pytest.mark.parametrize("dockerfile", ["app.Dockerfile", "web.Dockerfile"])
def test_hadolint_finds_nothing(dockerfile: str) -> None:
    done = run_tool("hadolint", "--failure-threshold", "info", DOCKER / dockerfile)
    assert_clean(done)
    assert not done.stdout.strip(), done.stdout


def final_stage(dockerfile: str) -> str:
    return (DOCKER / dockerfile).read_text().rsplit("\nFROM ", 1)[1]


def test_the_app_image_runs_as_a_numeric_user_with_a_curl_free_health_check() -> None:
    stage = final_stage("app.Dockerfile")
    assert re.search(r"^USER \d+:\d+$", stage, re.MULTILINE), "USER must be uid:gid"
    health = re.search(r"^HEALTHCHECK .*?CMD (.+)$", stage, re.MULTILINE | re.DOTALL)
    assert health and health.group(1).startswith('["python", "-c"'), "a python one-liner"
    assert "/health/live" in stage
    assert re.search(r"^EXPOSE 8000 9100$", stage, re.MULTILINE)


def test_the_app_image_is_installed_by_the_tested_script() -> None:
    dockerfile = (DOCKER / "app.Dockerfile").read_text()
    assert "COPY deploy/docker/install-app.sh /usr/local/bin/install-app" in dockerfile
    assert re.search(r"^RUN install-app /src /opt/bolttickets$", dockerfile, re.MULTILINE)
    # The final stage copies the environment, and builds nothing itself.
    stage = final_stage("app.Dockerfile")
    assert "COPY --from=venv /opt/bolttickets /opt/bolttickets" in stage
    assert "RUN " not in stage
