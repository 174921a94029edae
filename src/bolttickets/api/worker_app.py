"""The worker's own HTTP face, for whatever supervises it: liveness, readiness (503 naming
what fails, the worker's problem among it) and metrics. It serves nothing else."""

from __future__ import annotations

from fastapi import FastAPI

from bolttickets.api.deps import Services
from bolttickets.api.routers import health


def worker_app(services: Services) -> FastAPI:
    app = FastAPI(title="BoltTickets worker", openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(health.router)
    app.state.container = services
    return app
