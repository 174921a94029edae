"""Readiness on the embedded default covers the worker inside the process."""

from __future__ import annotations

from tests.support import Api


async def test_readiness_reports_the_worker(api: Api) -> None:
    response = await api.http.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "queue": "ok", "worker": "ok"}
