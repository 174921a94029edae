from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from bolttickets.api.deps import AccountsDep
from bolttickets.api.schemas import Credentials, LoginIn, Problem, TokenOut, UserOut
from bolttickets.api.security import COOKIE_NAME, CurrentActor, Tokens
from bolttickets.domain.errors import NotFound

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    operation_id="register",
    responses={409: {"model": Problem}, 422: {"model": Problem}},
)
async def register(body: Credentials, accounts: AccountsDep) -> UserOut:
    return UserOut.of(await accounts.register(body.email, body.password))


@router.post("/login", operation_id="login", responses={401: {"model": Problem}})
async def login(
    body: LoginIn, request: Request, response: Response, accounts: AccountsDep
) -> TokenOut:
    user = await accounts.authenticate(body.email, body.password)
    tokens: Tokens = request.app.state.tokens
    token = tokens.issue(user.id, user.role)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=tokens.ttl_seconds,
        httponly=True,
        samesite="strict",
        secure=request.app.state.container.settings.secure_cookies,
        path="/",
    )
    return TokenOut(access_token=token, expires_in=tokens.ttl_seconds)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="logout")
async def logout(response: Response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")


@router.get("/me", operation_id="me", responses={401: {"model": Problem}})
async def me(actor: CurrentActor, accounts: AccountsDep) -> UserOut:
    user = await accounts.get(actor.user_id)
    if user is None:
        raise NotFound("The user of this token does not exist any more.")
    return UserOut.of(user)
