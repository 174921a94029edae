"""Liveness and readiness. The public port answers readiness with its status alone, for
load balancers and probes; what fails, and /metrics, only on the internal port
(api.internal_port): they name the services behind the API and its traffic."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bolttickets.api.deps import container
from bolttickets.api.schemas import HealthOut
from bolttickets.services.health import probe

router = APIRouter(tags=["health"])
internal_router = APIRouter()

_CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health/live", operation_id="live")
@internal_router.get("/health/live")
async def live() -> HealthOut:
    return HealthOut(status="ok")


async def _readiness(request: Request, response: Response) -> HealthOut:
    report = await probe(container(request).health_checks, _CHECK_TIMEOUT_SECONDS)
    if any(value != "ok" for value in report.values()):
        response.status_code = 503
        return HealthOut(status="unavailable", checks=report)
    return HealthOut(status="ready", checks=report)


@router.get(
    "/health/ready",
    operation_id="ready",
    responses={503: {"model": HealthOut}},
    response_model_exclude_defaults=True,
)
async def ready(request: Request, response: Response) -> HealthOut:
    return HealthOut(status=(await _readiness(request, response)).status)


internal_router.get("/health/ready")(_readiness)


@internal_router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
