"""The built web front end, with client-side routes falling back to index.html."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Vite names every built asset by its content hash, so an asset never changes under its name.
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"


class SinglePageApp(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if path.startswith(("api/", "health/")):
            raise HTTPException(404)  # no such API route, whatever the method
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
