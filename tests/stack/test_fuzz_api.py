"""Schemathesis fuzzes the running API from its own OpenAPI document, on the real stack.

Every operation gets its boundary and negative cases (the coverage phase), generated ones
(the fuzzing phase) and sequences that feed one answer's ids to the next call (the stateful
phase: an event created, its ticket type booked, the booking read and cancelled), once with
a customer's token and once with an admin's; every answer must be no server error and have
a documented status, content type, headers and schema.
Generation is derandomised, so a failure replays: the output names each failing case with a
curl command.

Schemathesis runs as its CLI: its pytest loader for a schema served by a fixture
(``schemathesis.pytest.from_fixture``) sets ``Function._nodeid``, which pytest 9.2 removed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.stack.conftest import Api, Stack

APIS = 1
WORKERS = 1

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Generated cases per operation and token, beyond the coverage phase's own: enough for
# ≥ 1,000 requests in all, in a few minutes on a loaded two-core machine.
MAX_EXAMPLES = 20
MIN_REQUESTS = 1_000


async def test_fuzzing_finds_no_undocumented_answer(
    stack: Stack, api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Something to find, book and cancel besides the generated identifiers that find nothing.
    await api.create_event([1_000, 5], per_user_limit=4)
    tokens = {"customer": await api.new_buyer(), "admin": await api.admin()}
    document = (await api.http.get("/openapi.json")).json()
    operations = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }

    requests: dict[str, Counter[str]] = {}
    checks: Counter[tuple[str, str]] = Counter()
    for role, token in tokens.items():
        report = tmp_path / f"{role}.ndjson"
        done = await asyncio.to_thread(_schemathesis, stack.apis[0].url, token, report, tmp_path)
        assert done.returncode == 0, f"as {role}:\n{done.stdout}"
        requests[role], ran = _tally(report, operations)
        checks += ran
        assert set(requests[role]) == operations, f"as {role}: not every operation was tested"

    total = sum(sum(counts.values()) for counts in requests.values())
    assert total >= MIN_REQUESTS
    assert {name for name, _ in checks} == set(CHECKS)
    assert not [key for key in checks if key[1] != "success"]
    with capsys.disabled():
        print(_summary(requests, checks, total))


def _schemathesis(
    base_url: str, token: str, report: Path, workdir: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{base_url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--header",
            f"Authorization: Bearer {token}",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--generation-deterministic",
            # Generation is timed by the only health check that a loaded machine trips.
            "--suppress-health-check",
            "too_slow",
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ],
        cwd=workdir,  # no schemathesis.toml or .hypothesis of the checkout's
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _tally(report: Path, operations: set[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Requests per operation, and (check, outcome) counts, from the run's event stream. A
    stateful scenario calls several operations; a method the document does not list for a
    path (a coverage case) counts for the operation it was sent against."""
    requests: Counter[str] = Counter()
    checks: Counter[tuple[str, str]] = Counter()
    for line in report.read_bytes().splitlines():
        event: dict[str, Any] = orjson.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is None:
            continue
        recorder = finished["recorder"]
        # A scenario that sent nothing (no explicit examples to send) records no interactions.
        for case_id in recorder.get("interactions", {}):
            case = recorder["cases"][case_id]["value"]
            label = f"{case['method']} {case['path']}"
            requests[label if label in operations else recorder["label"]] += 1
        for results in recorder.get("checks", {}).values():
            checks.update((check["name"], check["status"]) for check in results)
    return requests, checks


def _summary(
    requests: dict[str, Counter[str]], checks: Counter[tuple[str, str]], total: int
) -> str:
    roles = list(requests)
    labels = sorted(set().union(*requests.values()), key=lambda label: label.split()[::-1])
    width = max(map(len, labels))
    lines = [
        "",
        f"Schemathesis: {total} requests, 0 failures",
        f"  {'operation':<{width}}  " + "  ".join(f"{role:>8}" for role in roles),
        *(
            f"  {label:<{width}}  " + "  ".join(f"{requests[r][label]:>8}" for r in roles)
            for label in labels
        ),
        "  checks: "
        + ", ".join(f"{name} {count} {status}" for (name, status), count in sorted(checks.items())),
    ]
    return "\n".join(lines)
