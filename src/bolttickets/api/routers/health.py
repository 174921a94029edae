from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bolttickets.api.deps import container
from bolttickets.api.schemas import HealthOut

router = APIRouter(tags=["health"])

_CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health/live", operation_id="live")
async def live() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/health/ready", operation_id="ready", responses={503: {"model": HealthOut}})
async def ready(request: Request, response: Response) -> HealthOut:
    checks = container(request).health_checks
    results = await asyncio.gather(
        *(asyncio.wait_for(check(), _CHECK_TIMEOUT_SECONDS) for check in checks.values()),
        return_exceptions=True,
    )
    report = {
        name: "ok" if not isinstance(result, BaseException) else f"unavailable: {result!r}"
        for name, result in zip(checks, results, strict=True)
    }
    if any(value != "ok" for value in report.values()):
        response.status_code = 503
        return HealthOut(status="unavailable", checks=report)
    return HealthOut(status="ready", checks=report)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
