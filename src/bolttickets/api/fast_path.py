"""POST /api/bookings straight to its handler, ahead of the router and the other layers.

The booking route is the one that must keep up with a flash sale; everything else goes
through the application as usual. Errors are answered by the application's own exception
handlers, so a problem looks the same whichever way the request went.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send


class BookingFastPath:
    def __init__(
        self,
        app: ASGIApp,
        *,
        handler: Callable[[Request], Awaitable[Response]],
        exception_handlers: Mapping[Any, Any],
    ) -> None:
        self._app = app
        handlers = {k: v for k, v in exception_handlers.items() if k not in (500, Exception)}
        self._booking = ExceptionMiddleware(request_response(handler), handlers=handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/api/bookings"
            and scope["method"] == "POST"
        ):
            await self._booking(scope, receive, send)
        else:
            await self._app(scope, receive, send)
