"""Access tokens (JWT) and who is asking, from the Authorization header or the cookie."""

from __future__ import annotations

import time
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bolttickets.api.deps import container
from bolttickets.domain.errors import Forbidden, UnknownAccount
from bolttickets.domain.model import Role
from bolttickets.services.accounts import Actor

COOKIE_NAME = "bolt_session"
_ALGORITHM = "HS256"


class Unauthorized(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int, cache_size: int = 100_000) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        # A buyer sends the same token with every request of a sale: verifying it once, then
        # trusting it until it expires, takes PyJWT off the hot path (it checks the base64url
        # alphabet character by character in Python, ~55 µs a token, half a core at 10,000
        # bookings/s).
        self._verified: dict[str, tuple[Actor, float]] = {}
        self._cache_size = cache_size

    def issue(self, user_id: UUID, role: Role) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "iat": now,
            "exp": now + self.ttl_seconds,
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def actor(self, token: str) -> Actor:
        verified = self._verified.get(token)
        if verified is not None and verified[1] > time.time():
            return verified[0]
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[_ALGORITHM], options={"require": ["sub", "exp"]}
            )
            actor = _actor_of(claims)
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired; log in again.") from exc
        except (jwt.InvalidTokenError, ValueError) as exc:
            raise Unauthorized("The access token is not valid.") from exc
        if len(self._verified) >= self._cache_size:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[token] = (actor, float(claims["exp"]))
        return actor


def _actor_of(claims: dict[str, Any]) -> Actor:
    """Raises ValueError for claims we would never issue (a signed token can still carry
    them: a key shared with another service, a bug in an older release)."""
    sub, role = claims["sub"], claims.get("role", Role.CUSTOMER.value)
    if not isinstance(sub, str) or not isinstance(role, str):
        raise ValueError("the subject and role of a token are strings")
    return Actor(UUID(sub), Role(role))


_bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login")


async def current_actor(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """Refuses a token of an account that is gone or erased (the hot path's booking
    checks it once the stock admitted the request)."""
    actor = _actor(request, None if bearer is None else bearer.credentials)
    if not await container(request).accounts.is_active(actor.user_id):
        raise UnknownAccount()
    return actor


def authenticate(request: Request) -> Actor:
    """``current_actor`` without FastAPI's dependency machinery, for the hot path."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return _actor(request, credentials if scheme.lower() == "bearer" and credentials else None)


def _actor(request: Request, bearer: str | None) -> Actor:
    token = bearer or request.cookies.get(COOKIE_NAME)
    if token is None:
        raise Unauthorized("Log in first: send a bearer token or the session cookie.")
    tokens: Tokens = request.app.state.tokens
    return tokens.actor(token)


async def current_admin(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    if not actor.is_admin:
        raise Forbidden("Only organisers (admins) may do this.")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
CurrentAdmin = Annotated[Actor, Depends(current_admin)]
