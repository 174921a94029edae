"""The OpenAPI document the web page's typed client is generated from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import Depends, FastAPI
from typer.testing import CliRunner

from bolttickets.api import deps, openapi, problems
from bolttickets.api.schemas import Credentials, Problem
from bolttickets.api.security import Requires
from bolttickets.cli import app
from bolttickets.domain import errors

COMMITTED = Path(__file__).parents[2] / "frontend" / "openapi.json"


def _document() -> dict[str, object]:
    result = CliRunner().invoke(app, ["openapi"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_the_committed_document_is_the_one_the_server_serves() -> None:
    """The front end's types (`make api-client`) are generated from the committed copy."""
    assert json.loads(COMMITTED.read_text()) == _document(), "run `make api-client`"


def test_every_refusal_the_domain_can_raise_is_a_documented_problem_slug() -> None:
    # A grandchild of DomainError too, and the API's own answers beside the domain's.
    expected = {errors.SoldOut.slug, errors.QueueUnavailable.slug, problems.INVALID[0]}
    assert expected <= set(problems.slugs())
    schemas = _document()["components"]["schemas"]  # type: ignore[index]
    assert schemas["ProblemSlug"]["enum"] == problems.slugs()


def _operations() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = _document()["paths"]  # type: ignore[assignment]
    return {f"{m.upper()} {p}": op for p, item in paths.items() for m, op in item.items()}


def test_every_api_operation_documents_the_rate_limit_and_every_body_its_limits() -> None:
    operations = _operations()
    with_body = [label for label, op in operations.items() if "requestBody" in op]
    assert {"POST /api/bookings", "POST /api/events", "POST /api/auth/login"} <= set(with_body)
    for label in with_body:
        assert {"400", "413", "415", "422"} <= set(operations[label]["responses"]), label
    for label, op in operations.items():
        if label.split()[1].startswith("/api/"):
            limited = op["responses"]["429"]
            assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(limited["headers"])


def test_every_problem_answer_is_documented_as_a_problem() -> None:
    """FastAPI documents its own shape for a 422 ({"detail": [...]}); the answer is a problem."""
    schemas = _document()["components"]["schemas"]  # type: ignore[index]
    assert "HTTPValidationError" not in schemas
    for label, op in _operations().items():
        for status, response in op["responses"].items():
            content = response.get("content", {})
            if status[0] in "45" and label != "GET /health/ready":
                assert list(content) == [problems.MEDIA_TYPE], (label, status)
                assert content[problems.MEDIA_TYPE]["schema"] == {"$ref": openapi.PROBLEM_REF}


def _toy_app() -> FastAPI:
    """Routes of each kind the table tells apart, documented by the real post-processing."""
    app = FastAPI()
    openapi.install(app)

    @app.get("/api/things/{thing_id}", responses={404: {"model": Problem, "description": "Gone"}})
    async def get_thing(thing_id: UUID, _: deps.ContainerDep) -> None: ...

    @app.post("/api/things", dependencies=[Depends(Requires())])
    async def add_thing(body: Credentials) -> None: ...

    @app.post("/api/pure")
    async def pure() -> None: ...

    @app.get("/elsewhere")
    async def elsewhere() -> None: ...

    return app


def test_the_table_documents_each_operation_by_what_it_is() -> None:
    paths = _toy_app().openapi()["paths"]

    def statuses(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    # Reads a store (through the container), has a path parameter, declares its own 404.
    assert statuses("/api/things/{thing_id}", "get") == {"200", "404", "422", "429", "503"}
    assert paths["/api/things/{thing_id}"]["get"]["responses"]["404"]["description"] == "Gone"
    # Needs a token and has a body, reads no store.
    assert statuses("/api/things", "post") == {
        "200",
        "400",
        "401",
        "403",
        "413",
        "415",
        "422",
        "429",
    }
    assert statuses("/api/pure", "post") == {"200", "403", "429"}
    assert statuses("/elsewhere", "get") == {"200"}
