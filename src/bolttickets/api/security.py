"""Access tokens (JWT), API keys, and who is asking: from the Authorization header, the
X-API-Key header or the cookie."""

from __future__ import annotations

import time
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from bolttickets.api.deps import container
from bolttickets.domain.model import Role, Scope
from bolttickets.services.access import permit
from bolttickets.services.accounts import Actor
from bolttickets.services.api_keys import is_api_key

COOKIE_NAME = "bolt_session"
API_KEY_HEADER = "x-api-key"
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


_bearer = HTTPBearer(
    auto_error=False,
    description="An access token from /api/auth/login, or an API key (bt_…)",
)
_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key (bt_…) an admin made"
)


def _presented(request: Request) -> str | None:
    """The request's credential: a bearer token (an access token or an API key), then an
    API key in X-API-Key, then the session cookie."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials
    return request.headers.get(API_KEY_HEADER) or request.cookies.get(COOKIE_NAME)


async def authenticate(request: Request) -> Actor:
    """Who is asking; without FastAPI's dependency machinery, so the hot path calls it too.
    An access token costs a dictionary lookup once verified; an API key the same while
    its verification is cached (``ApiKeys``)."""
    credential = _presented(request)
    if credential is None:
        raise Unauthorized("Log in first: send a bearer token, the session cookie or an API key.")
    if is_api_key(credential):
        return await container(request).api_keys.actor(credential)
    tokens: Tokens = request.app.state.tokens
    return tokens.actor(credential)


class Requires:
    """The dependency each operation declares: the actor, once ``permit`` lets it through
    with the API key ``scope``, one of ``roles``, and open to API keys at all (``keys``)."""

    def __init__(self, scope: Scope | None = None, *roles: Role, keys: bool = True) -> None:
        self.scope = scope
        self.roles = frozenset(roles) or None
        self.keys = keys

    async def __call__(
        self,
        request: Request,
        _bearer_scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        _key_scheme: Annotated[str | None, Depends(_api_key)],
    ) -> Actor:
        actor = await authenticate(request)
        permit(actor, self.scope, self.roles, keys=self.keys)
        return actor


class Public:
    """The dependency of an operation open to anyone: no credential is needed, but an API
    key that is sent must hold ``scope``, so an integration set up with the wrong key fails
    loudly instead of quietly acting as nobody. A person's credential is not even read."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(
        self, request: Request, _key_scheme: Annotated[str | None, Depends(_api_key)]
    ) -> None:
        credential = _presented(request)
        if credential is not None and is_api_key(credential):
            permit(await container(request).api_keys.actor(credential), self.scope)


Admin = Annotated[Actor, Depends(Requires(None, Role.ADMIN, keys=False))]
