"""The FastAPI application: routes, problem details, realtime, the web page."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import structlog
from fastapi import FastAPI, Request, WebSocket
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bolttickets import __version__
from bolttickets.api import internal_port, openapi, problems, rate_limits
from bolttickets.api.body_limit import BodyLimit
from bolttickets.api.cookie_writes import CookieWriteGuard
from bolttickets.api.deps import Services
from bolttickets.api.instrumentation import RequestObserver
from bolttickets.api.origins import Origins
from bolttickets.api.realtime import RealtimeHub
from bolttickets.api.routers import (
    admin,
    audit,
    auth,
    bookings,
    events,
    health,
    payments,
    privacy,
    tickets,
    waiting_list,
    waiting_room,
)
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
            tokens = Tokens(
                settings.jwt_secret.get_secret_value(),
                settings.jwt_ttl_seconds,
                container.sessions.is_revoked,
            )
            app.state.container = container
            app.state.tokens = tokens
            app.state.rate_limits = rate_limits.RateLimits(container.rate_limiter, settings)
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
            revocations = await _follow_revocations(container, tokens, hub)
            # What start-up built lives as long as the process: keeping it out of the collector's
            # sweeps, and collecting less often, removes the full collections of tens of thousands
            # of connection objects that took 1.5-2.5 s in the fan-out benchmark.
            gc.collect()
            gc.freeze()
            gc.set_threshold(*_GC_THRESHOLDS)
            try:
                async with _internal_port(settings, container):
                    yield
            finally:
                revocations.cancel()
                await asyncio.gather(revocations, return_exceptions=True)
                await hub.stop()

    app = FastAPI(
        title="BoltTickets",
        version=__version__,
        summary="Flash-sale ticketing: never sell a ticket twice, never lose a booking.",
        lifespan=lifespan,
        # Requests are traced and measured by our own instrumentation (tracing_setup, the
        # request metrics). FastAPI's own asks OpenTelemetry for its three providers on
        # every request, reading environment variables to do so (1-3 % of a refusal's
        # samples in `bench sale --profile`), only to find it should stand aside.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # The last added runs first: every request is observed, every answer (a refusal
    # included) carries the security headers.
    app.add_middleware(CookieWriteGuard, origins=origins)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObserver)
    if settings.trusted_proxies:
        # Added last, so it runs first: the request metrics see the client behind the proxy.
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=[str(n) for n in settings.trusted_proxies]
        )
    app.state.refusal_log = ThrottledLog(structlog.get_logger("bolttickets.bookings"))
    problems.install(app)
    openapi.install(app)
    app.add_exception_handler(Unauthorized, _unauthorized)
    app.add_exception_handler(rate_limits.RateLimited, rate_limits.too_many_requests)
    for router in (
        auth.router,
        events.router,
        bookings.router,
        admin.router,
        audit.router,
        privacy.router,
        health.router,
        waiting_room.router,
        waiting_list.router,
        tickets.router,
        payments.router,
    ):
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


def _internal_port(settings: Settings, container: Services) -> AbstractAsyncContextManager[None]:
    if settings.metrics_port is None:
        return nullcontext()
    return internal_port.serving(container, settings.metrics_host, settings.metrics_port)


async def _follow_revocations(
    container: Services, tokens: Tokens, hub: RealtimeHub
) -> asyncio.Task[None]:
    """Sessions any process revokes are refused here at once, their sockets closed."""
    rechecks: set[asyncio.Task[None]] = set()

    def revoked(session_ids: Sequence[str]) -> None:
        tokens.revoked(session_ids)
        hub.sessions_revoked(session_ids)

    def missed_some() -> None:
        tokens.forget_verified()
        recheck = asyncio.create_task(hub.recheck_sessions(), name="recheck-sessions")
        rechecks.add(recheck)  # a task nothing refers to may be collected mid-way
        recheck.add_done_callback(rechecks.discard)

    return await container.sessions.follow_revocations(revoked, missed_some)


async def _unauthorized(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Unauthorized)
    return problems.problem(
        401, *problems.UNAUTHORIZED, exc.detail, headers={"WWW-Authenticate": "Bearer"}
    )
