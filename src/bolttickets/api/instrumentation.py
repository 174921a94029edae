"""Every HTTP request counted and timed under its route template, and given a request id
that its log lines carry and its response echoes (``X-Request-ID``)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from prometheus_client.metrics import Counter, Histogram
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, reset_contextvars

from bolttickets.observability import metrics

_UNMATCHED = "<unmatched>"
_REQUEST_ID = b"x-request-id"  # as ASGI spells header names
# What a proxy or a client may send as its id: short, printable, no spaces or quotes, so a
# hostile value can neither forge log fields nor grow them.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_Series = tuple[Counter, Histogram]


class NamedRoute(Route):
    """A plain Starlette route that puts itself in the scope, as FastAPI's routes do, so
    its requests are counted under its template."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


class RequestObserver:
    """Pure ASGI middleware: the HTTP metrics of docs/observability.md and the request id.

    Per request it does one lookup of the (route, method, status) series, bound the first
    time that combination is seen; every part of that key is bounded (routes are the
    application's, methods a known set, statuses HTTP's).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Keyed by the route's id: FastAPI's routes are not hashable, and they live as long
        # as the application, so no id is reused.
        self._series: dict[tuple[int, str, int], _Series] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        echoed = (_REQUEST_ID, request_id.encode())
        status = 500  # unless a response starts: an error the server answers outside us

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        tokens = bind_contextvars(request_id=request_id)
        metrics.HTTP_IN_FLIGHT.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            metrics.HTTP_IN_FLIGHT.dec()
            reset_contextvars(**tokens)
            route, method = scope.get("route"), scope["method"]
            if method not in _KNOWN_METHODS:  # a client may send any word: one series
                method = "other"
            key = (id(route), method, status)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _bind(route, method, status)
            requests, duration = series
            requests.inc()
            duration.observe(elapsed)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == _REQUEST_ID:
            if _SANE_REQUEST_ID.fullmatch(value):
                return str(value.decode())
            break
    return uuid.uuid4().hex


def _bind(route: Any, method: str, status: int) -> _Series:
    template = _template(route)
    return (
        metrics.HTTP_REQUESTS.labels(template, method, str(status)),
        metrics.HTTP_REQUEST_SECONDS.labels(template, method),
    )


def _template(route: Any) -> str:
    if isinstance(route, Mount):
        return f"{route.path}/{{path:path}}"
    path = getattr(route, "path", None)
    return path if isinstance(route, BaseRoute) and isinstance(path, str) else _UNMATCHED
