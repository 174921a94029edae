from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bolttickets.api.deps import container
from bolttickets.api.schemas import HealthOut
from bolttickets.services.health import probe

router = APIRouter(tags=["health"])

_CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health/live", operation_id="live")
async def live() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/health/ready", operation_id="ready", responses={503: {"model": HealthOut}})
async def ready(request: Request, response: Response) -> HealthOut:
    report = await probe(container(request).health_checks, _CHECK_TIMEOUT_SECONDS)
    if any(value != "ok" for value in report.values()):
        response.status_code = 503
        return HealthOut(status="unavailable", checks=report)
    return HealthOut(status="ready", checks=report)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
