#!/usr/bin/env python3
"""Smoke test of a deployed BoltTickets: ready, then one booking end to end.

    deploy/scripts/smoke.py https://staging.example.com

Waits until ``/health/ready`` answers 200, then, as the admin named by the environment
(``SMOKE_ADMIN_EMAIL``, ``SMOKE_ADMIN_PASSWORD``), creates a one-ticket, free event named
"smoke <time>", books its ticket with an Idempotency-Key, waits until the booking is
paid (free: the queue and a worker applied it) and cancels it. Exits 0 when every step
passed, 1 with the failed step otherwise. Standard library only: it runs on any CI runner.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

POLL_SECONDS = 1.0


class SmokeFailed(Exception):
    """A step of the smoke test did not give the expected answer."""


class Client:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """One request; the status and the decoded JSON body (None when it is not JSON)."""
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        if self.token is not None:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())

    def expect(self, status: int, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        got, answer = self.call(method, path, body, **kw)
        if got != status:
            raise SmokeFailed(f"{method} {path}: {got} instead of {status}: {answer}")
        return answer


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def wait_until(what: str, probe: Any, deadline: float) -> Any:
    """Call ``probe`` until it returns something truthy; fail with ``what`` at ``deadline``."""
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (OSError, urllib.error.URLError) as error:
            last = error
        else:
            if last:
                return last
        time.sleep(POLL_SECONDS)
    raise SmokeFailed(f"{what} not reached in time; last answer: {last!r}")


def smoke(client: Client, email: str, password: str, deadline: float) -> str:
    """Every step in order; returns the booking id."""

    def ready() -> bool:
        status, report = client.call("GET", "/health/ready")
        print(f"ready? {status} {report}", flush=True)
        return status == 200

    wait_until("/health/ready 200", ready, deadline)
    login = client.expect(200, "POST", "/api/auth/login", {"email": email, "password": password})
    client.token = login["access_token"]
    now = datetime.now(UTC)
    event = client.expect(
        201,
        "POST",
        "/api/events",
        {
            "name": f"smoke {now:%Y-%m-%d %H:%M:%S}",
            "venue": "Smoke test",
            "starts_at": (now + timedelta(days=1)).isoformat(),
            "ticket_types": [{"name": "Smoke", "price_cents": 0, "capacity": 1}],
        },
    )
    ticket_type = event["ticket_types"][0]["id"]
    accepted = client.expect(
        202,
        "POST",
        "/api/bookings",
        {"ticket_type_id": ticket_type, "quantity": 1},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    booking_id = str(accepted["booking_id"])
    print(f"booking {booking_id} accepted", flush=True)

    def settled() -> str | None:
        status = client.expect(200, "GET", f"/api/bookings/{booking_id}")["status"]
        return None if status == "pending" else str(status)

    final = wait_until(f"booking {booking_id} settled", settled, deadline)
    if final != "paid":
        raise SmokeFailed(f"booking {booking_id} ended {final}, not paid")
    print(f"booking {booking_id} paid", flush=True)
    client.expect(200, "POST", f"/api/bookings/{booking_id}/cancel")
    print(f"booking {booking_id} cancelled", flush=True)
    return booking_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="where the API answers, e.g. https://staging.example.com")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for all steps")
    args = parser.parse_args(argv)
    try:
        email, password = os.environ["SMOKE_ADMIN_EMAIL"], os.environ["SMOKE_ADMIN_PASSWORD"]
    except KeyError as missing:
        print(f"smoke: set {missing.args[0]} (an admin of the deployment)", file=sys.stderr)
        return 2
    client = Client(args.base_url, timeout=10.0)
    try:
        smoke(client, email, password, time.monotonic() + args.timeout)
    except SmokeFailed as failure:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
        return 1
    print("smoke: passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
