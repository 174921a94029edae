"""Access tokens: PyJWT verifies each once; a verified one is trusted until it expires."""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

import jwt
import pytest

from bolttickets.api.security import Tokens, Unauthorized
from bolttickets.domain.model import Role

SECRET = "unit-test-secret-0123456789abcdefghijkl"


def test_an_issued_token_names_its_user_and_role() -> None:
    tokens = Tokens(SECRET, 60)
    user = uuid4()
    actor = tokens.actor(tokens.issue(user, Role.ADMIN))
    assert (actor.user_id, actor.role) == (user, Role.ADMIN)


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: t.split(".")[0] + "." + t.split(".")[1][:-2] + "xy." + t.split(".")[2],
        lambda t: jwt.encode({"sub": str(uuid4()), "exp": time.time() + 60}, "x" * 40),
        lambda t: jwt.encode({"sub": str(uuid4()), "exp": time.time() + 60}, None, "none"),
        lambda t: "not.a.token",
        lambda t: "",
    ],
)
def test_tampered_or_foreign_tokens_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    tokens = Tokens(SECRET, 60)
    with pytest.raises(Unauthorized):
        tokens.actor(forge(tokens.issue(uuid4(), Role.CUSTOMER)))


def test_expired_and_incomplete_tokens_are_refused_even_when_signed() -> None:
    tokens = Tokens(SECRET, 60)
    expired = jwt.encode({"sub": str(uuid4()), "exp": int(time.time()) - 1}, SECRET)
    no_subject = jwt.encode({"exp": int(time.time()) + 60}, SECRET)
    for token in (expired, no_subject):
        with pytest.raises(Unauthorized):
            tokens.actor(token)
    with pytest.raises(Unauthorized, match="expired"):
        tokens.actor(expired)


def test_a_token_signed_by_pyjwt_with_another_header_order_still_works() -> None:
    tokens = Tokens(SECRET, 60)
    user = uuid4()
    other = jwt.encode(
        {"sub": str(user), "exp": int(time.time()) + 60}, SECRET, headers={"kid": "k1"}
    )
    assert tokens.actor(other).user_id == user


class CountingDecode:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return DECODE(*args, **kwargs)


DECODE = jwt.decode


def test_a_token_is_verified_once_then_trusted_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decode = CountingDecode()
    monkeypatch.setattr(jwt, "decode", decode)
    tokens = Tokens(SECRET, 60)
    token = tokens.issue(uuid4(), Role.CUSTOMER)

    first, again = tokens.actor(token), tokens.actor(token)

    assert first == again
    assert decode.calls == 1
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)  # past its exp: PyJWT decides again
    tokens.actor(token)
    assert decode.calls == 2
