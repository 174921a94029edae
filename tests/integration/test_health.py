"""Readiness on the embedded default covers the worker inside the process; what it checks,
and the metrics, are served on the internal port only."""

from __future__ import annotations

from tests.support import Api


async def test_readiness_reports_the_worker(api: Api) -> None:
    response = await api.internal.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"database": "ok", "queue": "ok", "worker": "ok"}


async def test_the_public_port_serves_no_metrics_and_no_details(api: Api) -> None:
    assert (await api.http.get("/metrics")).status_code == 404
    ready = await api.http.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready"}
    assert (await api.http.get("/health/live")).status_code == 200


async def test_the_internal_port_serves_the_metrics(api: Api) -> None:
    metrics = await api.internal.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "bolttickets_build_info{" in metrics.text
    assert (await api.internal.get("/health/live")).status_code == 200
    # Nothing of the API itself answers there.
    assert (await api.internal.get("/api/events")).status_code == 404
