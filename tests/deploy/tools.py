"""The checkers the deployment tests run: found on PATH, where `make test` puts
var/tools/bin (scripts/tools); a missing one fails the test with how to install it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO
from tests.support import tool


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
