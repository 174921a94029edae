"""The checkers the deployment tests run: found on PATH, where `make test` puts
var/tools/bin (scripts/tools); a missing one fails the test with how to install it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not on PATH: run `scripts/tools install` and put var/tools/bin first "
            "on PATH (`make test` does both)."
        )
    return path


def run_tool(
    name: str, *args: str | Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Runs a checker from the repository root; its findings are in the result."""
    return subprocess.run(
        [tool(name), *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_clean(done: subprocess.CompletedProcess[str]) -> None:
    """The checker passed (exit 0); its findings are the message when it did not."""
    findings = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"{done.args[0]} exited {done.returncode}:\n{findings}"
