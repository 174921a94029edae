"""The OpenAPI document lists every problem an operation can answer with.

Statuses that follow from what an operation is (it has a body, it needs a token, it reads a
store) are added here from one table, ``PROBLEMS``, rather than on each route: a status that
applies to a new set of operations is one more line. A route still declares what only it can
answer (a 404 for its resource, a 409 for its conflict), and its own description wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from bolttickets.api import deps, problems

PROBLEM_REF = "#/components/schemas/Problem"
# What FastAPI documents by itself for a 422; the answer is a problem (problems.py) instead.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_RETRY_AFTER = {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}


@dataclass(frozen=True)
class Operation:
    path: str
    route: APIRoute
    spec: dict[str, Any]


def has_body(op: Operation) -> bool:
    return "requestBody" in op.spec


def has_input(op: Operation) -> bool:
    return has_body(op) or bool(op.spec.get("parameters"))


def needs_a_token(op: Operation) -> bool:
    return bool(op.spec.get("security"))


def is_unsafe(op: Operation) -> bool:
    """A write: the session cookie alone must not authorise it from another site's page."""
    return op.route.methods is not None and bool(op.route.methods & _UNSAFE_METHODS)


def under_api(op: Operation) -> bool:
    return op.path.startswith("/api/")


def reads_a_store(op: Operation) -> bool:
    """It is served by the container's services (``deps.container``): the database, the
    stock store or the queue, any of which may be down."""
    return _depends_on(op.route.dependant, deps.container)


@dataclass(frozen=True)
class Answer:
    status: int
    description: str
    applies: Callable[[Operation], bool]
    headers: Mapping[str, Any] = field(default_factory=dict)


PROBLEMS = (
    Answer(400, "malformed-request: the body is not JSON.", has_body),
    Answer(401, "unauthorized: no valid access token.", needs_a_token),
    Answer(
        403,
        "forbidden: authenticated by the session cookie without a bearer token, and sent "
        "from another site's page (or with no Origin header).",
        is_unsafe,
    ),
    Answer(413, "too-large: the body exceeds the server's limit (BOLT_MAX_BODY_BYTES).", has_body),
    Answer(
        415,
        "unsupported-media-type: authenticated by the session cookie, with a body that is "
        "not application/json.",
        has_body,
    ),
    Answer(422, "validation-error: a field or parameter is invalid.", has_input),
    Answer(
        429,
        "Too many requests from this client or user: retry after `Retry-After` seconds.",
        under_api,
        {
            "Retry-After": _RETRY_AFTER,
            "RateLimit": {"description": "IETF RateLimit fields", "schema": {"type": "string"}},
            "RateLimit-Policy": {
                "description": "IETF RateLimit-Policy fields",
                "schema": {"type": "string"},
            },
        },
    ),
    Answer(
        503,
        "A store (database, stock store or queue) did not answer; retry later.",
        reads_a_store,
        {"Retry-After": _RETRY_AFTER},
    ),
)


def install(app: FastAPI) -> None:
    """Post-process the generated document once, the first time it is asked for."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for op in _operations(app, document):
                _document_problems(op)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name in _FASTAPI_VALIDATION_SCHEMAS:
                schemas.pop(name, None)
            schemas["ProblemSlug"] = {
                "type": "string",
                "enum": problems.slugs(),
                "description": "The last path segment of a problem's `type`.",
            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(app: FastAPI, document: dict[str, Any]) -> Iterator[Operation]:
    """Each documented operation with the route that serves it."""
    # Included routers nest their routes: FastAPI's own walk, as its document is built by.
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format:
            for method in sorted(route.methods or ()):
                spec = document["paths"][context.path_format].get(method.lower())
                if spec is not None:
                    yield Operation(context.path_format, route, spec)


def _document_problems(op: Operation) -> None:
    responses: dict[str, Any] = op.spec.setdefault("responses", {})
    for answer in PROBLEMS:
        if answer.applies(op):
            declared = responses.get(str(answer.status))
            if declared is None or _is_fastapi_validation_error(declared):
                responses[str(answer.status)] = _problem_response(answer)
    for status, response in responses.items():
        # Sent with the media type of RFC 9457, whichever route declared it.
        content = response.get("content", {})
        if status[0] in "45" and _schema_of(content.get("application/json")) == PROBLEM_REF:
            content[problems.MEDIA_TYPE] = content.pop("application/json")


def _problem_response(answer: Answer) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": answer.description,
        "content": {problems.MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if answer.headers:
        response["headers"] = dict(answer.headers)
    return response


def _is_fastapi_validation_error(response: Mapping[str, Any]) -> bool:
    schema = _schema_of(response.get("content", {}).get("application/json"))
    return schema == f"#/components/schemas/{_FASTAPI_VALIDATION_SCHEMAS[0]}"


def _schema_of(media: Mapping[str, Any] | None) -> str | None:
    ref = (media or {}).get("schema", {}).get("$ref")
    return ref if isinstance(ref, str) else None


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)
