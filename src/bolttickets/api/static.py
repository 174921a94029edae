"""The built web front end, with client-side routes falling back to index.html."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# `npm run build` writes here; the wheel and the sdist ship it as package data, so an
# installed `bolttickets serve` has its web page without being told where it is.
PACKAGED_WEB = Path(__file__).resolve().parent.parent / "web"
MISSING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BoltTickets: no web page</title></head>
<body><h1>This installation has no web page</h1>
<p>The front end was not built into it: run <code>make frontend</code> before building the
package, or set <code>BOLT_STATIC_DIR</code> to a build. The API is at <a href="/docs">/docs</a>.
</p></body></html>
"""

# Vite names every built asset by its content hash, so an asset never changes under its name.
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_API_PREFIXES = ("/api/", "/health/", "/metrics", "/docs", "/openapi.json")


class WebMount(Mount):
    """Everything but the API: an unknown API path stays the router's 404, and a known one
    called with the wrong method its 405, instead of falling through to the web page. It
    names itself in the scope, as FastAPI's routes do, for the request metrics."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(_API_PREFIXES):
            return Match.NONE, {}
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


class SinglePageApp(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = await super().get_response("index.html", scope)
        response.headers["Cache-Control"] = (
            _IMMUTABLE if path.startswith("assets/") else _REVALIDATE
        )
        return response
