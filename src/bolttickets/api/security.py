"""Access tokens (JWT), API keys, and who is asking: from the Authorization header, the
X-API-Key header or the cookie."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, NamedTuple
from uuid import UUID

import jwt
from fastapi import Depends, Request, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from bolttickets.api.deps import container
from bolttickets.domain.errors import UnknownAccount
from bolttickets.domain.model import Role, Scope
from bolttickets.services.access import permit
from bolttickets.services.accounts import Actor
from bolttickets.services.api_keys import is_api_key

COOKIE_NAME = "bolt_session"
REFRESH_COOKIE_NAME = "bolt_refresh"
REFRESH_COOKIE_PATH = "/api/auth"
API_KEY_HEADER = "x-api-key"
_ALGORITHM = "HS256"


class Unauthorized(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Verified(NamedTuple):
    actor: Actor
    expires_at: float


class Tokens:
    def __init__(
        self,
        secret: str,
        ttl_seconds: int,
        is_revoked: Callable[[str], Awaitable[bool]],
        cache_size: int = 100_000,
    ) -> None:
        """``is_revoked`` asks the session store whether a session was revoked."""
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self._is_revoked = is_revoked
        # A buyer sends the same token with every request of a sale: verifying it once, then
        # trusting it until it expires, takes PyJWT off the hot path (it checks the base64url
        # alphabet character by character in Python, ~55 µs a token, half a core at 10,000
        # bookings/s). Kept by a digest of the token, not the token: a sale's 100,000 buyers
        # would otherwise keep 30 MiB of token strings alive in every process.
        self._verified: dict[bytes, Verified] = {}
        self._cache_size = cache_size
        self._revoked: dict[str, float] = {}
        """Session id -> until when its tokens could still be valid: what any process told
        this one it revoked. One dict lookup per request refuses a token verified before."""

    def issue(self, user_id: UUID, role: Role, session_id: str) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "sid": session_id,
            "iat": now,
            "exp": now + self.ttl_seconds,
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    async def actor(self, token: str) -> Actor:
        return (await self.verify(token)).actor

    async def verify(self, token: str) -> Verified:
        digest = _digest(token)
        verified = self._verified.get(digest)
        if verified is not None and verified.expires_at > time.time():
            self._refuse_revoked(verified.actor)
            return verified
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": ["sub", "exp", "sid"]},
            )
            actor = _actor_of(claims)
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired; refresh it or log in again.") from exc
        except (jwt.InvalidTokenError, ValueError) as exc:
            raise Unauthorized("The access token is not valid.") from exc
        assert actor.session_id is not None
        if await self._is_revoked(actor.session_id):
            raise Unauthorized(_LOGGED_OUT)
        self._refuse_revoked(actor)  # revoked while the store was asked
        if len(self._verified) >= self._cache_size:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        verified = Verified(actor, float(claims["exp"]))
        self._verified[digest] = verified
        return verified

    async def is_revoked(self, session_id: str) -> bool:
        return session_id in self._revoked or await self._is_revoked(session_id)

    def revoked(self, session_ids: Iterable[str]) -> None:
        """Refuse the tokens of these sessions from now on (any process revoked them)."""
        now = time.time()
        self._revoked = {sid: until for sid, until in self._revoked.items() if until > now}
        for session_id in session_ids:
            self._revoked[session_id] = now + self.ttl_seconds

    def forget_verified(self) -> None:
        """Revocations may have been missed: verify every token again, asking the store."""
        self._verified.clear()

    def _refuse_revoked(self, actor: Actor) -> None:
        if actor.session_id in self._revoked:
            raise Unauthorized(_LOGGED_OUT)


_LOGGED_OUT = "This session has been logged out; log in again."


def _digest(token: str) -> bytes:
    """What the cache of verified tokens knows a token by: 16 bytes, where a second token
    of the same digest would take 2^128 tries to find."""
    return hashlib.blake2b(token.encode(), digest_size=16).digest()


def _actor_of(claims: dict[str, Any]) -> Actor:
    """Raises ValueError for claims we would never issue (a signed token can still carry
    them: a key shared with another service, a bug in an older release)."""
    sub, role, sid = claims["sub"], claims.get("role", Role.CUSTOMER.value), claims["sid"]
    if not isinstance(sub, str) or not isinstance(role, str) or not isinstance(sid, str):
        raise ValueError("the subject, role and session of a token are strings")
    return Actor(UUID(sub), Role(role), session_id=sid)


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
    return await tokens.actor(credential)


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
        # A token of an erased account is refused (the booking hot path, which skips this,
        # checks it once the stock admitted the request).
        if not await container(request).accounts.is_active(actor.user_id):
            raise UnknownAccount()
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
Person = Annotated[Actor, Depends(Requires(keys=False))]
"""A logged-in person acting on their own account or session: never an API key."""


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    response.delete_cookie(
        REFRESH_COOKIE_NAME, path=REFRESH_COOKIE_PATH, httponly=True, samesite="strict"
    )
