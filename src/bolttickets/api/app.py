"""The FastAPI application: routes, problem details, realtime, the web page."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request, WebSocket
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, Response

from bolttickets import __version__
from bolttickets.api import problems
from bolttickets.api.body_limit import BodyLimit
from bolttickets.api.cookie_writes import CookieWriteGuard
from bolttickets.api.deps import Services
from bolttickets.api.instrumentation import RequestObserver
from bolttickets.api.origins import Origins
from bolttickets.api.realtime import RealtimeHub
from bolttickets.api.routers import auth, bookings, events, health
from bolttickets.api.security import Tokens, Unauthorized
from bolttickets.api.security_headers import SecurityHeaders
from bolttickets.api.static import MISSING_PAGE, PACKAGED_WEB, SinglePageApp, WebMount
from bolttickets.config import Settings
from bolttickets.observability import metrics
from bolttickets.observability.logging import configure as configure_logging
from bolttickets.observability.throttled import ThrottledLog
from bolttickets.services.demo import seed_demo

log = structlog.get_logger("bolttickets")

_GC_THRESHOLDS = (100_000, 50, 100)


def create_app(
    settings: Settings, services: Callable[[], AbstractAsyncContextManager[Services]]
) -> FastAPI:
    """The app; ``services`` builds what it serves with when the server starts and tears it
    down when it stops (``bootstrap.api_app`` passes the composition root's)."""
    configure_logging(settings.log_level, json=settings.json_logs)
    metrics.mark_build("api")
    origins = Origins(settings.trusted_origins)
    static_dir = settings.static_dir or PACKAGED_WEB
    web_page_built = (static_dir / "index.html").is_file()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not web_page_built:
            log.warning(
                "web_page_missing",
                static_dir=str(static_dir),
                hint="this installation has no web page: build the package after `make frontend`, "
                "or set BOLT_STATIC_DIR to a build",
            )
        async with services() as container:
            tokens = Tokens(settings.jwt_secret.get_secret_value(), settings.jwt_ttl_seconds)
            app.state.container = container
            app.state.tokens = tokens
            admin = None
            if settings.admin_email and settings.admin_password:
                admin = (settings.admin_email, settings.admin_password.get_secret_value())
                await container.accounts.ensure_admin(*admin)
            if settings.demo:
                seeded = await seed_demo(
                    container.accounts, container.catalog, container.clock, admin
                )
                if seeded:
                    # Emails only: the admin's password may be the operator's own.
                    log.info("demo_seeded", admin=seeded.admin[0], buyer=seeded.buyer[0])
            hub = RealtimeHub(
                container.pubsub,
                container.catalog,
                container.bookings,
                tokens,
                origins,
                window_seconds=settings.realtime_window_ms / 1000,
                outbox_bytes=settings.ws_outbox_bytes,
            )
            await hub.start()
            app.state.hub = hub
            # What start-up built lives as long as the process: keeping it out of the collector's
            # sweeps, and collecting less often, removes the full collections of tens of thousands
            # of connection objects that took 1.5-2.5 s in the fan-out benchmark.
            gc.collect()
            gc.freeze()
            gc.set_threshold(*_GC_THRESHOLDS)
            try:
                yield
            finally:
                await hub.stop()

    app = FastAPI(
        title="BoltTickets",
        version=__version__,
        summary="Flash-sale ticketing: never sell a ticket twice, never lose a booking.",
        lifespan=lifespan,
    )
    # The last added runs first: every request is observed, every answer (a refusal
    # included) carries the security headers.
    app.add_middleware(CookieWriteGuard, origins=origins)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObserver)
    app.state.refusal_log = ThrottledLog(structlog.get_logger("bolttickets.bookings"))
    problems.install(app)
    _document_problems_as_problem_json(app)
    app.add_exception_handler(Unauthorized, _unauthorized)
    for router in (auth.router, events.router, bookings.router, health.router):
        app.include_router(router)
    app.router.routes.insert(0, bookings.served_route)  # the hot path: see its declaration

    @app.websocket("/api/realtime")
    async def realtime(ws: WebSocket) -> None:
        hub: RealtimeHub = ws.app.state.hub
        await hub.serve(ws)

    if web_page_built:
        # Compressed here rather than app-wide, so API answers pay nothing for it.
        web = GZipMiddleware(SinglePageApp(directory=static_dir, html=True), minimum_size=1024)
        app.router.routes.append(WebMount("/", app=web, name="web"))
    else:

        @app.get("/", include_in_schema=False)
        async def home() -> HTMLResponse:
            return HTMLResponse(MISSING_PAGE, status_code=404)

    return app


def _document_problems_as_problem_json(app: FastAPI) -> None:
    """Error answers are documented with the media type they are sent with (RFC 9457), and
    the problem types they can carry are listed once, as the ``ProblemSlug`` schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for path in document.get("paths", {}).values():
                for method, operation in path.items():
                    _document_guards(method, operation)
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[0] in "45" and "application/json" in content:
                            content[problems.MEDIA_TYPE] = content.pop("application/json")
            document.setdefault("components", {}).setdefault("schemas", {})["ProblemSlug"] = {
                "type": "string",
                "enum": problems.slugs(),
                "description": "The last path segment of a problem's `type`.",
            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})


def _document_guards(method: str, operation: dict[str, Any]) -> None:
    """The refusals of the middleware in front of every route (body_limit, cookie_writes),
    added to the answers each operation documents."""
    responses = operation.setdefault("responses", {})

    def add(status: str, description: str) -> None:
        if status not in responses:
            content = {"application/json": {"schema": _PROBLEM_REF}}
            responses[status] = {"description": description, "content": content}

    if method not in _UNSAFE_METHODS:
        return
    add(
        "403",
        "forbidden: authenticated by the session cookie without a bearer token, and sent "
        "from another site's page (or with no Origin header).",
    )
    if "requestBody" in operation:
        add("413", "too-large: the body exceeds the server's limit (BOLT_MAX_BODY_BYTES).")
        add(
            "415",
            "unsupported-media-type: authenticated by the session cookie, with a body that "
            "is not application/json.",
        )


async def _unauthorized(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Unauthorized)
    return problems.problem(
        401, *problems.UNAUTHORIZED, exc.detail, headers={"WWW-Authenticate": "Bearer"}
    )
