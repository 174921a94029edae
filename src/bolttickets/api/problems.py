"""Every error as RFC 9457 problem details, mapped from the domain in this one place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException

from bolttickets.domain import errors

log = structlog.get_logger("bolttickets.api")

MEDIA_TYPE = "application/problem+json"

STATUS = {
    errors.NotFound: 404,
    errors.SoldOut: 409,
    errors.PerUserLimitReached: 409,
    errors.SaleNotOpen: 409,
    errors.BookingNotCancellable: 409,
    errors.BookingNotReserved: 409,
    errors.BookingNotRefundable: 409,
    errors.EmailTaken: 409,
    errors.LastAdmin: 409,
    errors.IdempotencyKeyReused: 422,
    errors.InvalidEvent: 422,
    errors.InvalidCursor: 422,
    errors.InvalidCredentials: 401,
    errors.UnknownAccount: 401,
    errors.InvalidRefreshToken: 401,
    errors.RefreshTokenReused: 401,
    errors.Forbidden: 403,
    errors.MissingScope: 403,
    errors.RefundWindowClosed: 403,
    errors.InvalidApiKey: 401,
    errors.InvalidApiKeyRequest: 422,
    errors.QueueUnavailable: 503,
    errors.StockUnavailable: 503,
    errors.DatabaseUnavailable: 503,
    errors.SessionsUnavailable: 503,
    errors.InvalidPayment: 422,
    errors.UnknownPayment: 404,
    errors.InvalidTestCard: 422,
    errors.InvalidWebhook: 400,
    errors.PaymentProviderUnavailable: 503,
    errors.InvalidWaitingRoom: 422,
    errors.WaitingRoomRequired: 403,
    errors.WaitingRoomNotOpen: 409,
    errors.WaitingListRequired: 403,
    errors.NotSoldOut: 409,
    errors.UnknownTicket: 404,
    errors.AlreadyCheckedIn: 409,
    errors.TicketVoid: 409,
}
RETRY_AFTER_SECONDS = 1
_TIME = TypeAdapter(datetime)
"""Spelled as in every other answer (pydantic's RFC 3339, ``Z`` for UTC)."""

_HTTP_SLUGS = {
    400: ("malformed-request", "Malformed request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}
MALFORMED, UNAUTHORIZED, RATE_LIMITED = _HTTP_SLUGS[400], _HTTP_SLUGS[401], _HTTP_SLUGS[429]
FORBIDDEN, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE = _HTTP_SLUGS[403], _HTTP_SLUGS[413], _HTTP_SLUGS[415]
INVALID = ("validation-error", "Invalid request")
_OTHER_HTTP = ("http-error", "Request failed")
_INTERNAL = ("internal-error", "Internal error")


def slugs() -> list[str]:
    """Every problem type this API answers with, by the last segment of its ``type``: the
    OpenAPI document publishes them, and the web page's types are generated from it."""
    found = {slug for slug, _ in [*_HTTP_SLUGS.values(), INVALID, _OTHER_HTTP, _INTERNAL]}
    pending: list[type[errors.DomainError]] = [errors.DomainError]
    while pending:
        kind = pending.pop()
        pending += kind.__subclasses__()
        if kind is not errors.DomainError:
            found.add(kind.slug)
    return sorted(found)


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors_: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **(extra or {}),
    }
    if errors_ is not None:
        body["errors"] = errors_
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=MEDIA_TYPE)


def join_link(event_id: UUID) -> str:
    """Where a buyer refused for want of an admission pass gets in line."""
    return f"/api/events/{event_id}/waiting-room/join"


def from_domain(exc: errors.DomainError) -> Response:
    status = STATUS.get(type(exc), 400)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    extra = {}
    if isinstance(exc, errors.Unavailable) and exc.booking_id is not None:
        # The hold may still become a booking: name it, so a client looks before it retries.
        location = f"/api/bookings/{exc.booking_id}"
        headers["Location"] = location
        extra = {"booking_id": str(exc.booking_id), "location": location}
    if isinstance(exc, errors.WaitingRoomRequired) and exc.event_id is not None:
        join = join_link(exc.event_id)
        headers["Link"] = f'<{join}>; rel="join"'
        extra = {"join": join}
    if isinstance(exc, errors.WaitingListRequired) and exc.event_id is not None:
        join = f"/api/events/{exc.event_id}/waiting-list"
        headers["Link"] = f'<{join}>; rel="join"'
        extra = {"join": join}
    if isinstance(exc, errors.AlreadyCheckedIn):
        extra = {"checked_in_at": _TIME.dump_python(exc.checked_in_at, mode="json")}
    return problem(status, exc.slug, exc.title, exc.detail, headers=headers, extra=extra)


async def _domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    return from_domain(exc)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in found):
        return problem(400, *MALFORMED, "The body is not valid JSON.")
    return problem(422, *INVALID, "The request has invalid fields.", errors_=found)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_SLUGS.get(exc.status_code, _OTHER_HTTP)
    return problem(exc.status_code, slug, title, str(exc.detail), headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path, exc_info=exc)
    return problem(500, *_INTERNAL, "Something went wrong on our side.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
