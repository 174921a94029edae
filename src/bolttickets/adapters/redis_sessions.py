"""Sessions in Redis, for the full stack: every API process sees the same sessions.

Keys (``bolt`` is the default namespace); a session's two keys share the hash tag
``{<session id>}``, so the rotation script touches one cluster slot:

- ``bolt:session:{sid}``       hash: user, current (the current refresh token's SHA-256);
  expires with the session.
- ``bolt:session:{sid}:used``  set: hashes of the refresh tokens it replaced (reuse detection).
- ``bolt:user-sessions:<user>`` set: the user's session ids, for "log out everywhere";
  members whose session expired are dropped when it is read.
- ``bolt:revoked:<sid>``       present while access tokens of the revoked session live.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from importlib import resources
from typing import cast
from uuid import UUID

from bolttickets.adapters.redis_autopipeline import AutoPipeline
from bolttickets.adapters.redis_client import RedisClient
from bolttickets.adapters.redis_stock import unavailable_as
from bolttickets.domain.errors import SessionsUnavailable
from bolttickets.services.ports import Rotation

_ROTATE = resources.files(__package__).joinpath("redis_scripts/rotate_session.lua").read_text()
_unavailable = unavailable_as(SessionsUnavailable)


# A user's index of sessions gets its deadline a moment before or after a session does (two
# calls, and on a cluster two nodes): the margin keeps it from expiring while a session it
# lists still lives.
_INDEX_OUTLIVES = timedelta(seconds=1)


class RedisSessionStore:
    def __init__(self, client: RedisClient, namespace: str = "bolt") -> None:
        self._redis = client
        # Every authenticated request asks is_revoked: a rush's checks share one pipeline.
        self._hot = AutoPipeline(client)
        self._ns = namespace
        self._rotate = client.register_script(_ROTATE)

    def _session(self, session_id: str) -> str:
        return f"{self._ns}:session:{{{session_id}}}"

    def _user_sessions(self, user_id: UUID) -> str:
        return f"{self._ns}:user-sessions:{user_id}"

    def _revoked(self, session_id: str) -> str:
        return f"{self._ns}:revoked:{session_id}"

    @_unavailable
    async def create(self, session_id: str, user_id: UUID, token_hash: str, ttl: timedelta) -> None:
        session, index = self._session(session_id), self._user_sessions(user_id)
        # Indexed first: a session "log out everywhere" cannot find must never exist.
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(index, session_id)
            pipe.pexpire(index, ttl + _INDEX_OUTLIVES, gt=True)
            pipe.pexpire(index, ttl + _INDEX_OUTLIVES, nx=True)
            await pipe.execute()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(session, mapping={"user": str(user_id), "current": token_hash})
            pipe.pexpire(session, ttl)
            await pipe.execute()

    @_unavailable
    async def rotate(
        self, session_id: str, presented_hash: str, new_hash: str, ttl: timedelta
    ) -> tuple[Rotation, UUID | None]:
        session = self._session(session_id)
        reply = cast(
            list[bytes],
            await self._rotate(
                keys=[session, f"{session}:used"],
                args=[presented_hash, new_hash, ttl // timedelta(milliseconds=1)],
            ),
        )
        outcome = Rotation(reply[0].decode())
        if outcome is Rotation.UNKNOWN:
            return outcome, None
        user_id = UUID(reply[1].decode())
        if outcome is Rotation.ROTATED:
            await self._redis.pexpire(self._user_sessions(user_id), ttl + _INDEX_OUTLIVES, gt=True)
        return outcome, user_id

    @_unavailable
    async def revoke(self, session_ids: Sequence[str], remember_for: timedelta) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                # Marked before it is forgotten: a token of it is refused all along.
                pipe.set(self._revoked(session_id), b"1", px=remember_for)
                pipe.delete(self._session(session_id), f"{self._session(session_id)}:used")
            await pipe.execute()

    @_unavailable
    async def sessions_of(self, user_id: UUID) -> list[str]:
        index = self._user_sessions(user_id)
        members = [m.decode() for m in cast(set[bytes], await self._redis.smembers(index))]
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in members:
                pipe.exists(self._session(session_id))
            alive = cast(list[int], await pipe.execute())
        gone = [s for s, exists in zip(members, alive, strict=True) if not exists]
        if gone:
            await self._redis.srem(index, *gone)
        return [s for s, exists in zip(members, alive, strict=True) if exists]

    @_unavailable
    async def is_revoked(self, session_id: str) -> bool:
        return bool(await self._hot.execute("EXISTS", self._revoked(session_id)))
