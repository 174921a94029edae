"""The audit log as the routes use it: who is asking, and from where, filled in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from bolttickets.api.deps import container
from bolttickets.api.security import Requires
from bolttickets.services.accounts import Actor
from bolttickets.services.audit import AuditAction, AuditActor, AuditLog, named


def client_ip(connection: HTTPConnection) -> str | None:
    # Behind BOLT_TRUSTED_PROXIES, uvicorn's proxy-headers middleware has already put the
    # client's own address here, as the rate limits see it.
    return connection.client.host if connection.client else None


class RequestAudit:
    """An audited route records its action in one line: ``await audit.record(...)``."""

    def __init__(self, log: AuditLog, by: AuditActor) -> None:
        self._log = log
        self.by = by

    async def record(
        self,
        action: AuditAction,
        *,
        target: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        await self._log.record(action, actor=self.by, target=target, details=details)


def _request_audit(request: Request, actor: Annotated[Actor, Depends(Requires())]) -> RequestAudit:
    """Who the route's own ``Requires`` let through; an API key is named as itself."""
    name = (
        named("user", actor.user_id)
        if actor.api_key_id is None
        else named("api-key", actor.api_key_id)
    )
    return RequestAudit(container(request).audit, AuditActor(name, client_ip(request)))


Audit = Annotated[RequestAudit, Depends(_request_audit)]
