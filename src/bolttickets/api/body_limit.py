"""Request bodies larger than the configured size are refused (413) before they are read
whole: a declared ``Content-Length`` at once, a chunked body as soon as it grows past it."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bolttickets.api import problems


class BodyLimit:
    """Pure ASGI middleware. A body with a ``Content-Length`` within the limit passes without
    being counted: the HTTP server never delivers more than it declares."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._detail = f"The request body exceeds {max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                # The server has refused a Content-Length that is not a number already.
                if int(value) > self.max_bytes:
                    await problems.problem(413, *problems.TOO_LARGE, self._detail)(
                        scope, receive, send
                    )
                else:
                    await self.app(scope, receive, send)
                return
            if name == b"transfer-encoding":
                chunked = True
        # Neither header: HTTP/1.1 has no body to count.
        await self.app(scope, self._counting(receive) if chunked else receive, send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised where the route reads its body, so the application answers it
                    # as every HTTPException: a 413 problem.
                    raise HTTPException(413, self._detail)
            return message

        return counted
