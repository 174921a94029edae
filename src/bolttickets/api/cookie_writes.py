"""A write authenticated by the session cookie alone must come from our own page.

A browser attaches the cookie to requests any site makes; the ones it makes without a CORS
preflight ("simple requests": a form's ``application/x-www-form-urlencoded``,
``multipart/form-data`` or ``text/plain``) would reach the route with it. So an unsafe
request with the cookie and no bearer token must send its body as
``Content-Type: application/json`` (415 otherwise), which no site can send cross-origin
without a preflight we never grant, and must carry an ``Origin`` of ours (403 otherwise; a
browser sends ``Origin`` with every POST, PUT, PATCH and DELETE, so its absence means a
client that should send a bearer token). A bearer token is never sent by a browser on its
own, so requests carrying one pass untouched, and so do logging in and registering, which
the credentials in their body authenticate whatever cookie comes along (and which parse
only a JSON body).
"""

from __future__ import annotations

from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bolttickets.api import problems
from bolttickets.api.origins import Origins
from bolttickets.api.security import COOKIE_NAME

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON = "application/json"
_CREDENTIAL_PATHS = frozenset({"/api/auth/login", "/api/auth/register"})


class CookieWriteGuard:
    """Pure ASGI middleware; safe methods and bearer-authenticated requests cost one
    look at the method and the headers."""

    def __init__(self, app: ASGIApp, origins: Origins) -> None:
        self.app = app
        self._origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _UNSAFE
            and scope["path"] not in _CREDENTIAL_PATHS
        ):
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        if not any(name == b"cookie" for name, _ in scope["headers"]):
            return None  # the hot path: a booking with its bearer token
        headers = {name: value.decode("latin-1") for name, value in scope["headers"]}
        if COOKIE_NAME not in cookie_parser(headers[b"cookie"]):
            return None
        scheme, _, credentials = headers.get(b"authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return None
        has_body = headers.get(b"content-length", "0") != "0" or b"transfer-encoding" in headers
        media_type = headers.get(b"content-type", "").partition(";")[0].strip().lower()
        if has_body and media_type != _JSON:
            return problems.problem(
                415,
                *problems.UNSUPPORTED_MEDIA_TYPE,
                f"A request authenticated by the session cookie sends its body as {_JSON}.",
            )
        origin = headers.get(b"origin")
        if origin is None or not self._origins.allows(origin, headers.get(b"host")):
            return problems.problem(
                403,
                *problems.FORBIDDEN,
                "A request authenticated by the session cookie must come from this site's "
                "own page (its Origin header); other clients send a bearer token.",
            )
        return None
