"""The release workflow's scripts against a real local API: the smoke test books a ticket
end to end, and the canary gate holds a release back on an unready API or a firing alert."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import REPO
from tests.support import ADMIN, Server, free_port

SCRIPTS = REPO / "deploy" / "scripts"


def script(
    name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_smoke_test_books_and_cancels_a_ticket(api: Server) -> None:
    admin = {"SMOKE_ADMIN_EMAIL": ADMIN[0], "SMOKE_ADMIN_PASSWORD": ADMIN[1]}
    done = script("smoke.py", api.url, env=admin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "paid" in done.stdout and done.stdout.rstrip().endswith("smoke: passed")
    booking_id = done.stdout.split("booking ")[1].split()[0]
    [(status,)] = api.query("SELECT status FROM bookings WHERE id = ?", booking_id.replace("-", ""))
    assert status == "cancelled"


def test_the_smoke_test_fails_on_a_refused_step(api: Server) -> None:
    wrong = {"SMOKE_ADMIN_EMAIL": ADMIN[0], "SMOKE_ADMIN_PASSWORD": "not-the-password"}
    done = script("smoke.py", api.url, env=wrong)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "POST /api/auth/login: 401" in done.stderr


class FakeAlerts(BaseHTTPRequestHandler):
    """Prometheus' query API answering with the alert names in ``firing``."""

    firing: tuple[str, ...] = ()

    def do_GET(self) -> None:
        result = [{"metric": {"alertname": name, "alertstate": "firing"}} for name in self.firing]
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def prometheus() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAlerts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    FakeAlerts.firing = ()


def gate(health_url: str, prometheus: ThreadingHTTPServer) -> subprocess.CompletedProcess[str]:
    host, port = prometheus.server_address[:2]
    return script(
        "canary_gate.py",
        f"--health-url={health_url}",
        f"--prometheus-url=http://{host!s}:{port}",
        "--watch=0",
    )


def test_the_canary_gate_passes_a_ready_api_without_alerts(
    api: Server, prometheus: ThreadingHTTPServer
) -> None:
    done = gate(f"{api.url}/health/ready", prometheus)
    assert done.returncode == 0, done.stderr


def test_the_canary_gate_fails_on_a_firing_alert(
    api: Server, prometheus: ThreadingHTTPServer
) -> None:
    FakeAlerts.firing = ("BoltTicketsHighErrorRate",)
    done = gate(f"{api.url}/health/ready", prometheus)
    assert done.returncode == 1 and "alerts firing: BoltTicketsHighErrorRate" in done.stderr


def test_the_canary_gate_fails_on_an_api_that_does_not_answer(
    prometheus: ThreadingHTTPServer,
) -> None:
    done = gate(f"http://127.0.0.1:{free_port()}/health/ready", prometheus)
    assert done.returncode == 1 and "not ready" in done.stderr, done.stderr
