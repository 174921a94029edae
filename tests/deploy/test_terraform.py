"""The Terraform of deploy/terraform checked by real tools: formatting for both clouds;
for AWS, `terraform init` from the local provider mirror, `validate` and its own
`terraform test` suites (mocked provider); for both, tflint and checkov. Azure's provider
cannot be installed here, so Azure gets no validate or plan (deploy/terraform/README.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests import support

REPO = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO / "deploy" / "terraform"
AWS = TERRAFORM_DIR / "aws"
# Where the machine image keeps provider packages (unpacked layout), overridable for
# machines that keep them elsewhere.
PROVIDER_MIRROR = Path(os.environ.get("BOLT_TERRAFORM_PROVIDER_MIRROR", "/opt/tf-plugins"))
TIMEOUT = 600

INSTALL_HINTS = {
    "terraform": "install Terraform 1.11 or newer on PATH (the machine image has it in "
    "/usr/local/bin)",
    "tflint": "run `scripts/tools install tflint`",
    "checkov": "run `scripts/tools install checkov`",
}


def tool(name: str) -> str:
    return support.tool(name, INSTALL_HINTS[name])


def run(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def succeeded(done: subprocess.CompletedProcess[str]) -> str:
    """The output of a command that must succeed; its whole output is the failure message."""
    output = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, f"{' '.join(done.args)} exited {done.returncode}:\n{output}"
    return output


def locked_aws_provider_version() -> str:
    lock = (AWS / ".terraform.lock.hcl").read_text()
    found = re.search(
        r'provider "registry\.terraform\.io/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"', lock
    )
    assert found, "deploy/terraform/aws/.terraform.lock.hcl pins no hashicorp/aws version"
    return found.group(1)


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of terraform commands in deploy/terraform/aws, initialised from the
    local provider mirror into a temporary data directory (the checkout stays clean)."""
    terraform = tool("terraform")
    version = run(terraform, "version", "-json", cwd=AWS)
    succeeded(version)
    platform = json.loads(version.stdout)["platform"]
    provider = PROVIDER_MIRROR / "registry.terraform.io" / "hashicorp" / "aws"
    package = provider / locked_aws_provider_version() / platform
    if not package.is_dir():
        pytest.fail(
            f"the AWS provider is not in the local mirror: {package} is missing (it holds "
            f"{sorted(p.name for p in provider.glob('*')) or 'nothing'}). Put the version "
            "deploy/terraform/aws/.terraform.lock.hcl pins there, or point "
            "BOLT_TERRAFORM_PROVIDER_MIRROR at a mirror that has it."
        )
    work = tmp_path_factory.mktemp("terraform-aws")
    cli_config = work / "cli.tfrc"
    # The mirror and nothing else: no download, ever.
    cli_config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path = "{PROVIDER_MIRROR}"\n  }}\n'
        "}\n"
    )
    env = {
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_DATA_DIR": str(work / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    succeeded(
        run(
            terraform, "init", "-backend=false", "-lockfile=readonly", "-no-color", cwd=AWS, env=env
        )
    )
    return env


def test_both_clouds_are_formatted() -> None:
    succeeded(
        run(
            tool("terraform"),
            "fmt",
            "-check",
            "-recursive",
            "-diff",
            "-no-color",
            cwd=TERRAFORM_DIR,
        )
    )


def test_aws_configuration_is_valid(aws_env: dict[str, str]) -> None:
    succeeded(run(tool("terraform"), "validate", "-no-color", cwd=AWS, env=aws_env))


def test_aws_terraform_tests_pass(aws_env: dict[str, str]) -> None:
    output = succeeded(run(tool("terraform"), "test", "-no-color", cwd=AWS, env=aws_env))
    files = sorted(path.name for path in (AWS / "tests").glob("*.tftest.hcl"))
    for name in files:
        assert f"tests/{name}... pass" in output, f"tests/{name} did not pass:\n{output}"
    summary = re.search(r"Success! (\d+) passed, 0 failed\.", output)
    assert summary and int(summary.group(1)) >= len(files), output


def test_tflint_finds_nothing() -> None:
    succeeded(
        run(
            tool("tflint"),
            "--recursive",
            f"--config={TERRAFORM_DIR / '.tflint.hcl'}",
            "--format=compact",
            cwd=TERRAFORM_DIR,
        )
    )


def test_checkov_fails_no_check() -> None:
    # One run over both clouds: one report, and checkov's start-up paid once.
    done = run(
        tool("checkov"),
        *("--directory", ".", "--framework", "terraform"),
        # Not --quiet: the passed checks show that both clouds were read.
        *("--output", "json", "--compact", "--skip-download"),
        cwd=TERRAFORM_DIR,
        # Offline: no mapping of checks to the vendor's platform is downloaded.
        env={"BC_SKIP_MAPPING": "TRUE"},
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"checkov gave no report (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    failed = [
        f"{check['check_id']} {check['resource']} "
        f"({check['repo_file_path']}:{check['file_line_range'][0]}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed:\n" + "\n".join(failed)
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, done.stdout
    scanned = {
        check["repo_file_path"].split("/")[1] for check in report["results"]["passed_checks"]
    }
    assert scanned == {"aws", "azure"}, f"checkov checked only {scanned}"
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_checkov_skip_says_why() -> None:
    skips = [
        (path, line)
        for path in TERRAFORM_DIR.rglob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip=" in line
    ]
    unexplained = [
        f"{path.relative_to(REPO)}: {line.strip()}"
        for path, line in skips
        if not re.search(r"checkov:skip=CKV2?_[A-Z]+_\d+:\s*\S.{10,}", line)
    ]
    assert not unexplained, "a checkov skip without its reason:\n" + "\n".join(unexplained)
