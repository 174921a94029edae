"""API keys for service-to-service calls: made by an admin, shown once, kept as a keyed hash.

A key is ``bt_<prefix>_<secret>``: the prefix finds its row, an HMAC-SHA256 of the whole
key under a server secret proves it (a key has 256 random bits, so a fast keyed hash is
enough; a slow password hash would only slow every call down).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from bolttickets.domain.errors import (
    DatabaseUnavailable,
    InvalidApiKey,
    InvalidApiKeyRequest,
    NotFound,
)
from bolttickets.domain.model import ApiKey, Scope
from bolttickets.services.accounts import Actor
from bolttickets.services.ports import Clock, Page, UnitOfWorkFactory

KEY_PREFIX = "bt_"
_SHAPE = re.compile(r"bt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")
LAST_USED_EVERY = timedelta(minutes=1)
"""How stale a key's last-used time may get: it is written at most this often."""


def is_api_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    secret: str
    """The whole key, ``bt_<prefix>_<secret>``: given to the admin once, never stored."""


class ApiKeys:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        hash_secret: bytes,
        *,
        cache_seconds: float = 1.0,
        cache_size: int = 10_000,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hash_secret = hash_secret
        # A verified key is trusted for ``cache_seconds``: one database read a second per
        # key and process instead of one per call, and a revoked key is refused by every
        # process within that time.
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._verified: dict[str, tuple[Actor, float]] = {}

    async def create(
        self,
        name: str,
        scopes: Collection[Scope],
        owner_id: UUID,
        expires_at: datetime | None,
    ) -> IssuedKey:
        now = self._clock.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidApiKeyRequest("The key would have expired already.")
        if not scopes:
            raise InvalidApiKeyRequest("A key needs at least one scope.")
        prefix = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            id=uuid4(),
            prefix=prefix,
            secret_hash=self._hash(secret),
            name=name,
            owner_id=owner_id,
            scopes=frozenset(scopes),
            created_at=now,
            expires_at=expires_at,
        )
        async with self._uow(write=True) as uow:
            if await uow.users.get(owner_id) is None:
                raise InvalidApiKeyRequest(f"The owner {owner_id} does not exist.")
            await uow.api_keys.add(key)
            await uow.commit()
        return IssuedKey(key, secret)

    async def page(self, cursor: str | None, limit: int) -> Page[ApiKey]:
        async with self._uow() as uow:
            return await uow.api_keys.page(cursor, limit)

    async def revoke(self, key_id: UUID) -> ApiKey:
        """Revoke a key (again, harmlessly); this process refuses it at once, the others
        once their cached verification expires."""
        async with self._uow(write=True) as uow:
            key = await uow.api_keys.revoke(key_id, self._clock.now())
            await uow.commit()
        if key is None:
            raise NotFound(f"API key {key_id} does not exist.")
        self._verified = {
            token: entry
            for token, entry in self._verified.items()
            if not token.startswith(f"{KEY_PREFIX}{key.prefix}_")
        }
        return key

    async def actor(self, credential: str) -> Actor:
        """The principal a key acts as: its owner, with only the key's scopes.

        Raises InvalidApiKey for a key that is malformed, unknown, wrong, revoked or expired,
        or whose owner is gone."""
        cached = self._verified.get(credential)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        actor, expires_at = await self._verify(credential)
        until = time.monotonic() + self._cache_seconds
        if expires_at is not None:
            until = min(until, time.monotonic() + (expires_at - self._clock.now()).total_seconds())
        if len(self._verified) >= self._cache_size:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[credential] = (actor, until)
        return actor

    async def _verify(self, credential: str) -> tuple[Actor, datetime | None]:
        shape = _SHAPE.fullmatch(credential)
        if shape is None:
            raise InvalidApiKey("This is not an API key of this server.")
        now = self._clock.now()
        async with self._uow() as uow:
            key = await uow.api_keys.by_prefix(shape.group(1))
            owner = None if key is None else await uow.users.get(key.owner_id)
        if (
            key is None
            or owner is None
            or not hmac.compare_digest(key.secret_hash, self._hash(credential))
            or not key.usable_at(now)
        ):
            raise InvalidApiKey()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
            await self._touch(key.id, now)
        return Actor(
            owner.id, owner.role, scopes=frozenset(key.scopes), api_key_id=key.id
        ), key.expires_at

    async def _touch(self, key_id: UUID, now: datetime) -> None:
        # Bookkeeping, not a reason to refuse a call the key may make.
        with contextlib.suppress(DatabaseUnavailable):
            async with self._uow(write=True) as uow:
                await uow.api_keys.touch(key_id, now)
                await uow.commit()

    def _hash(self, credential: str) -> str:
        return hmac.new(self._hash_secret, credential.encode(), hashlib.sha256).hexdigest()
