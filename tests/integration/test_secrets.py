"""No password reaches a log line: not the operator's admin password, not a buyer's."""

from __future__ import annotations

from tests.support import Api, Server

ADMIN_PASSWORD = "canary-admin-6f1d2c9e"
BUYER_PASSWORD = "canary-buyer-a8b47e03"
WRONG_PASSWORD = "canary-wrong-3c5e9a71"
SERVER_ENV = {
    "BOLT_ENV": "dev",
    "BOLT_DEMO": "1",
    "BOLT_LOG_LEVEL": "DEBUG",
    "BOLT_ADMIN_EMAIL": "owner@tests.bolttickets.dev",
    "BOLT_ADMIN_PASSWORD": ADMIN_PASSWORD,
}


async def test_no_password_is_logged(server: Server, api: Api) -> None:
    credentials = {"email": "canary@tests.bolttickets.dev", "password": BUYER_PASSWORD}
    assert (await api.http.post("/api/auth/register", json=credentials)).status_code == 201
    assert (await api.http.post("/api/auth/login", json=credentials)).status_code == 200
    wrong = {**credentials, "password": WRONG_PASSWORD}
    assert (await api.http.post("/api/auth/login", json=wrong)).status_code == 401
    short = {"email": "short@tests.bolttickets.dev", "password": "canary"}
    assert (await api.http.post("/api/auth/register", json=short)).status_code == 422
    owner = {"email": "owner@tests.bolttickets.dev", "password": ADMIN_PASSWORD}
    assert (await api.http.post("/api/auth/login", json=owner)).status_code == 200
    server.stop()
    logged = server.log_path.read_text()
    assert "demo_seeded" in logged  # the demo ran, and said so
    for password in (ADMIN_PASSWORD, BUYER_PASSWORD, WRONG_PASSWORD, "bolt-buyer-demo"):
        assert password not in logged, password
