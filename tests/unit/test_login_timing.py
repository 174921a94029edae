"""A login for an email without an account costs what a wrong password does: one argon2
verification with the same parameters, so its timing does not tell who has an account."""

from __future__ import annotations

import pytest

from bolttickets.adapters.passwords import Argon2Hasher
from bolttickets.domain.errors import InvalidCredentials
from bolttickets.services.accounts import Accounts, KnownUsers
from tests.unit.conftest import World


class RecordingHasher(Argon2Hasher):
    def __init__(self) -> None:
        super().__init__(cheapest=True)
        self.verified: list[str] = []

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return await super().verify(password_hash, password)


class Unrecorded:
    """The audit log is not what this test is about."""

    async def record(self, *_: object, **__: object) -> None:
        return None


def parameters(argon2_hash: str) -> str:
    """``$argon2id$v=19$m=…,t=…,p=…``: everything but the salt and the digest."""
    return "$".join(argon2_hash.split("$")[:4])


async def test_an_unknown_email_is_verified_like_a_wrong_password(world: World) -> None:
    hasher = RecordingHasher()
    accounts = Accounts(world.uow, hasher, world.clock, Unrecorded(), KnownUsers(world.uow))
    await accounts.register("known@example.com", "the-right-password")
    for email in ("known@example.com", "nobody@example.com", "nobody-else@example.com"):
        with pytest.raises(InvalidCredentials):
            await accounts.authenticate(email, "a-wrong-password", "192.0.2.1")
    known, *unknown = hasher.verified
    assert len(unknown) == 2
    assert {parameters(h) for h in unknown} == {parameters(known)}
    assert known not in unknown
