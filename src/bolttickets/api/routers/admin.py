"""What only an admin does: API keys and users' roles. API keys cannot call these."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from bolttickets.api.auditing import Audit
from bolttickets.api.deps import AccountsDep, ApiKeysDep, SessionsDep
from bolttickets.api.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    ApiKeyPage,
    Problem,
    RoleIn,
    UserOut,
    UserPage,
)
from bolttickets.api.security import Admin
from bolttickets.domain.model import Role, Scope
from bolttickets.services.audit import AuditAction, named

router = APIRouter(prefix="/api/admin", tags=["admin"])

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200)]

_REFUSED: dict[int | str, dict[str, object]] = {
    401: {"model": Problem},
    403: {"model": Problem, "description": "Not an admin, or an API key"},
}


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    operation_id="createApiKey",
    responses={**_REFUSED, 422: {"model": Problem}},
)
async def create_api_key(
    body: ApiKeyIn, admin: Admin, audit: Audit, api_keys: ApiKeysDep
) -> ApiKeyCreated:
    """Make a key acting for ``owner_id`` (default: you) with only ``scopes``; the answer
    carries the key itself, which is never shown again."""
    issued = await api_keys.create(
        body.name,
        [Scope(s) for s in body.scopes],
        body.owner_id or admin.user_id,
        body.expires_at,
    )
    key = issued.key
    await audit.record(
        AuditAction.API_KEY_CREATED,
        target=named("api-key", key.id),
        details={
            "name": key.name,
            "prefix": key.prefix,
            "owner": named("user", key.owner_id),
            "scopes": sorted(key.scopes),
        },
    )
    return ApiKeyCreated(**ApiKeyOut.of(issued.key).model_dump(), secret=issued.secret)


@router.get(
    "/api-keys",
    operation_id="listApiKeys",
    responses={**_REFUSED, 422: {"model": Problem}},
)
async def list_api_keys(
    _: Admin, api_keys: ApiKeysDep, limit: Limit = 20, cursor: Cursor = None
) -> ApiKeyPage:
    """Every key, revoked and expired ones too, oldest first; never their secrets."""
    page = await api_keys.page(cursor, limit)
    return ApiKeyPage(items=[ApiKeyOut.of(k) for k in page.items], next_cursor=page.next_cursor)


@router.delete(
    "/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="revokeApiKey",
    responses={**_REFUSED, 404: {"model": Problem}, 422: {"model": Problem}},
)
async def revoke_api_key(key_id: UUID, _: Admin, audit: Audit, api_keys: ApiKeysDep) -> None:
    """Revoke a key (again, harmlessly): refused by every API process within
    BOLT_API_KEY_CACHE_SECONDS (1 s by default)."""
    await api_keys.revoke(key_id)
    await audit.record(AuditAction.API_KEY_REVOKED, target=named("api-key", key_id))


@router.get("/users", operation_id="listUsers", responses={**_REFUSED, 422: {"model": Problem}})
async def list_users(
    _: Admin, accounts: AccountsDep, limit: Limit = 20, cursor: Cursor = None
) -> UserPage:
    page = await accounts.page(cursor, limit)
    return UserPage(items=[UserOut.of(u) for u in page.items], next_cursor=page.next_cursor)


@router.put(
    "/users/{user_id}/role",
    operation_id="setUserRole",
    responses={
        **_REFUSED,
        404: {"model": Problem},
        409: {"model": Problem, "description": "last-admin: it would leave no admin"},
        422: {"model": Problem},
    },
)
async def set_user_role(
    user_id: UUID,
    body: RoleIn,
    _: Admin,
    audit: Audit,
    accounts: AccountsDep,
    sessions: SessionsDep,
) -> UserOut:
    """Takes effect at once: the user's sessions are revoked on every API process (their
    access tokens carry the old role), so they log in again with the new one."""
    changed = await accounts.change_role(user_id, Role(body.role))
    if changed.before is not changed.after:
        await sessions.revoke_all(user_id)
        await audit.record(
            AuditAction.ROLE_CHANGED,
            target=named("user", user_id),
            details={"before": changed.before.value, "after": changed.after.value},
        )
    user = await accounts.get(user_id)
    assert user is not None  # users are never deleted
    return UserOut.of(user)
