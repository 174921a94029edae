"""The audit log, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from bolttickets.api.deps import container
from bolttickets.api.schemas import AuditEntryOut, AuditPage, Problem, UtcDatetime
from bolttickets.api.security import Admin
from bolttickets.services.audit import ANONYMOUS, AuditAction
from bolttickets.services.ports import AuditQuery

router = APIRouter(prefix="/api/admin/audit", tags=["admin"])

_NAME = r"[a-z_-]{1,32}:[A-Za-z0-9_-]{1,64}"


@router.get(
    "",
    operation_id="listAuditEntries",
    responses={
        401: {"model": Problem},
        403: {"model": Problem},
        422: {"model": Problem},
        503: {"model": Problem},
    },
)
async def list_audit_entries(
    request: Request,
    _: Admin,
    action: AuditAction | None = None,
    actor: Annotated[
        str | None,
        Query(
            pattern=f"^(?:{_NAME}|{ANONYMOUS})$",
            description="`user:<id>`, `api-key:<id>` or `anonymous`",
        ),
    ] = None,
    target: Annotated[
        str | None, Query(pattern=f"^{_NAME}$", description="`event:<id>`, `user:<id>`, ...")
    ] = None,
    since: Annotated[UtcDatetime | None, Query(description="From this time on (inclusive)")] = None,
    until: Annotated[UtcDatetime | None, Query(description="Before this time (exclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    """The audit log, newest first: logins, changes to events, cancellations, data exports
    and erasures, and who made them from where."""
    query = AuditQuery(action=action, actor=actor, target=target, since=since, until=until)
    page = await container(request).audit.page(query, cursor, limit)
    return AuditPage(items=[AuditEntryOut.of(e) for e in page.items], next_cursor=page.next_cursor)
