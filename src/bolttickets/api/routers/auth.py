from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Cookie, Depends, Request, Response, status

from bolttickets.api import rate_limits
from bolttickets.api.auditing import client_ip
from bolttickets.api.deps import AccountsDep, SessionsDep
from bolttickets.api.schemas import Credentials, LoginIn, Problem, RefreshIn, TokenOut, UserOut
from bolttickets.api.security import (
    COOKIE_NAME,
    REFRESH_COOKIE_NAME,
    REFRESH_COOKIE_PATH,
    Person,
    Requires,
    Tokens,
    clear_session_cookies,
)
from bolttickets.domain.errors import InvalidRefreshToken, NotFound, RefreshTokenReused
from bolttickets.domain.model import User
from bolttickets.services.accounts import Actor
from bolttickets.services.sessions import Issued

router = APIRouter(prefix="/api/auth", tags=["auth"])

_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "The session store did not answer (sessions-unavailable)",
        "headers": {"Retry-After": {"description": "Seconds", "schema": {"type": "integer"}}},
    }
}
_UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid access token"}
}


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    operation_id="register",
    responses={409: {"model": Problem}, 422: {"model": Problem}, **rate_limits.RESPONSES},
)
async def register(body: Credentials, request: Request, accounts: AccountsDep) -> UserOut:
    await rate_limits.limits(request).register(request)
    return UserOut.of(await accounts.register(body.email, body.password))


@router.post(
    "/login",
    operation_id="login",
    responses={401: {"model": Problem}, **_UNAVAILABLE, **rate_limits.RESPONSES},
)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    accounts: AccountsDep,
    sessions: SessionsDep,
) -> TokenOut:
    """Open a session: a short-lived access token and a refresh token (also as cookies)."""
    # Before the password is hashed: a refused attempt costs no argon2.
    await rate_limits.limits(request).login(request, body.email)
    user = await accounts.authenticate(body.email, body.password, client_ip(request))
    return _tokens_of(user, await sessions.open(user.id), request, response)


@router.post(
    "/refresh",
    operation_id="refresh",
    responses={
        401: {
            "model": Problem,
            "description": f"{InvalidRefreshToken.slug} (missing, unknown or expired) or "
            f"{RefreshTokenReused.slug} (used before: its whole session is revoked)",
        },
        422: {"model": Problem},
        **_UNAVAILABLE,
    },
)
async def refresh(
    request: Request,
    response: Response,
    sessions: SessionsDep,
    body: Annotated[RefreshIn | None, Body()] = None,
    cookie: Annotated[
        str | None, Cookie(alias=REFRESH_COOKIE_NAME, include_in_schema=False)
    ] = None,
) -> TokenOut:
    """A new access token and a new refresh token for the refresh token in the body (API
    clients) or the HttpOnly cookie (the web page); the one presented is used up."""
    token = body.refresh_token if body is not None else cookie
    if token is None:
        raise InvalidRefreshToken(
            f"Send the refresh token in the body or the {REFRESH_COOKIE_NAME} cookie."
        )
    refreshed = await sessions.refresh(token)
    return _tokens_of(refreshed.user, refreshed.session, request, response)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="logout",
    responses={**_UNAUTHENTICATED, **_UNAVAILABLE},
)
async def logout(actor: Person, response: Response, sessions: SessionsDep) -> None:
    """Revoke this session: its access and refresh tokens are refused from now on, by
    every API process within a second."""
    if actor.session_id is not None:
        await sessions.revoke(actor.session_id)
    clear_session_cookies(response)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="logoutAll",
    responses={**_UNAUTHENTICATED, **_UNAVAILABLE},
)
async def logout_all(actor: Person, response: Response, sessions: SessionsDep) -> None:
    """Revoke every session of this user, on every device."""
    await sessions.revoke_all(actor.user_id)
    clear_session_cookies(response)


@router.get(
    "/me",
    operation_id="me",
    dependencies=[rate_limits.READS],
    responses={
        401: {"model": Problem},
        404: {"model": Problem, "description": "not-found: the token's user was erased"},
        **rate_limits.RESPONSES,
    },
)
async def me(actor: Annotated[Actor, Depends(Requires())], accounts: AccountsDep) -> UserOut:
    """The account of the session, or the owner of the API key."""
    user = await accounts.get(actor.user_id)
    if user is None:
        raise NotFound("The user of this token does not exist any more.")
    return UserOut.of(user)


def _tokens_of(user: User, session: Issued, request: Request, response: Response) -> TokenOut:
    tokens: Tokens = request.app.state.tokens
    settings = request.app.state.container.settings
    access = tokens.issue(user.id, user.role, session.session_id)
    secure = settings.secure_cookies
    response.set_cookie(
        COOKIE_NAME,
        access,
        max_age=tokens.ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    # Sent only to /api/auth: the refresh token never travels with ordinary requests.
    response.set_cookie(
        REFRESH_COOKIE_NAME,
        session.refresh_token,
        max_age=settings.refresh_ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=secure,
        path=REFRESH_COOKIE_PATH,
    )
    return TokenOut(
        access_token=access,
        expires_in=tokens.ttl_seconds,
        refresh_token=session.refresh_token,
        refresh_expires_in=settings.refresh_ttl_seconds,
    )
