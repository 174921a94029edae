"""Access tokens: PyJWT verifies each once; a verified one is trusted until it expires or its
session is revoked."""

from __future__ import annotations

import gc
import time
import weakref
from typing import Any
from uuid import uuid4

import jwt
import pytest

from bolttickets.api.security import Tokens, Unauthorized
from bolttickets.domain.model import Role

SECRET = "unit-test-secret-0123456789abcdefghijkl"


class Store:
    """The session store's answer to "is this session revoked?", and how often it was asked."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.asked = 0

    async def is_revoked(self, session_id: str) -> bool:
        self.asked += 1
        return session_id in self.revoked


def tokens_of(store: Store | None = None, ttl: int = 60) -> Tokens:
    return Tokens(SECRET, ttl, (store or Store()).is_revoked)


async def test_an_issued_token_names_its_user_role_and_session() -> None:
    tokens = tokens_of()
    user = uuid4()
    actor = await tokens.actor(tokens.issue(user, Role.ADMIN, "s1"))
    assert (actor.user_id, actor.role, actor.session_id) == (user, Role.ADMIN, "s1")


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: t.split(".")[0] + "." + t.split(".")[1][:-2] + "xy." + t.split(".")[2],
        lambda t: jwt.encode({"sub": str(uuid4()), "sid": "s", "exp": time.time() + 60}, "x" * 40),
        lambda t: jwt.encode(
            {"sub": str(uuid4()), "sid": "s", "exp": time.time() + 60}, None, "none"
        ),
        lambda t: jwt.encode({"sub": str(uuid4()), "exp": time.time() + 60}, SECRET),  # no sid
        lambda t: jwt.encode({"sub": str(uuid4()), "sid": 7, "exp": time.time() + 60}, SECRET),
        lambda t: "not.a.token",
        lambda t: "",
    ],
)
async def test_tampered_foreign_or_sessionless_tokens_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    tokens = tokens_of()
    with pytest.raises(Unauthorized):
        await tokens.actor(forge(tokens.issue(uuid4(), Role.CUSTOMER, "s1")))


async def test_expired_and_incomplete_tokens_are_refused_even_when_signed() -> None:
    tokens = tokens_of()
    expired = jwt.encode({"sub": str(uuid4()), "sid": "s", "exp": int(time.time()) - 1}, SECRET)
    no_subject = jwt.encode({"sid": "s", "exp": int(time.time()) + 60}, SECRET)
    for token in (expired, no_subject):
        with pytest.raises(Unauthorized):
            await tokens.actor(token)
    with pytest.raises(Unauthorized, match="expired"):
        await tokens.actor(expired)


async def test_a_token_signed_by_pyjwt_with_another_header_order_still_works() -> None:
    tokens = tokens_of()
    user = uuid4()
    other = jwt.encode(
        {"sub": str(user), "sid": "s", "exp": int(time.time()) + 60}, SECRET, headers={"kid": "k1"}
    )
    assert (await tokens.actor(other)).user_id == user


class CountingDecode:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return DECODE(*args, **kwargs)


DECODE = jwt.decode


async def test_a_token_is_verified_once_then_trusted_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decode = CountingDecode()
    monkeypatch.setattr(jwt, "decode", decode)
    store = Store()
    tokens = tokens_of(store)
    token = tokens.issue(uuid4(), Role.CUSTOMER, "s1")

    first, again = await tokens.actor(token), await tokens.actor(token)

    assert first == again
    assert (decode.calls, store.asked) == (1, 1)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)  # past its exp: PyJWT decides again
    await tokens.actor(token)
    assert decode.calls == 2


async def test_a_token_of_a_session_the_store_revoked_is_refused() -> None:
    store = Store()
    store.revoked.add("gone")
    tokens = tokens_of(store)

    with pytest.raises(Unauthorized, match="logged out"):
        await tokens.actor(tokens.issue(uuid4(), Role.CUSTOMER, "gone"))
    assert (await tokens.actor(tokens.issue(uuid4(), Role.CUSTOMER, "live"))).session_id == "live"


async def test_a_revocation_told_by_another_process_refuses_a_cached_token() -> None:
    store = Store()
    tokens = tokens_of(store)
    token, kept = (tokens.issue(uuid4(), Role.CUSTOMER, sid) for sid in ("s1", "s2"))
    await tokens.actor(token)
    await tokens.actor(kept)

    tokens.revoked(["s1"])

    with pytest.raises(Unauthorized, match="logged out"):
        await tokens.actor(token)
    assert (await tokens.actor(kept)).session_id == "s2"
    assert await tokens.is_revoked("s1") and not await tokens.is_revoked("s2")


async def test_after_a_gap_in_revocations_every_token_is_checked_with_the_store_again() -> None:
    store = Store()
    tokens = tokens_of(store)
    token = tokens.issue(uuid4(), Role.CUSTOMER, "s1")
    await tokens.actor(token)
    store.revoked.add("s1")  # revoked, and the message about it missed
    await tokens.actor(token)  # still trusted from the cache

    tokens.forget_verified()

    with pytest.raises(Unauthorized, match="logged out"):
        await tokens.actor(token)


async def test_the_cache_of_verified_tokens_keeps_no_token_alive() -> None:
    """A sale's buyers each send a token of ~270 characters: a process that kept every
    token it verified would carry tens of MiB of them through a sale of 100,000 buyers."""
    tokens = tokens_of(Store())
    sent = [_Sent(tokens.issue(uuid4(), Role.CUSTOMER, f"s{n}")) for n in range(100)]
    for token in sent:
        await tokens.actor(token)
    alive = [weakref.ref(token) for token in sent]
    first = str(sent[0])

    del sent, token
    gc.collect()

    assert [ref for ref in alive if ref() is not None] == []
    assert (await tokens.actor(first)).session_id == "s0"


class _Sent(str):
    """A token as a request carries it, which a weak reference can follow (a str cannot)."""
