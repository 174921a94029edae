"""Sessions in memory, for the embedded mode: one process, so one dict is every process's
view. No method awaits, so each is one atomic step on the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from bolttickets.services.ports import Clock, Rotation


@dataclass(slots=True)
class _Session:
    user_id: UUID
    current: str
    expires_at: datetime
    used: set[str] = field(default_factory=set)


class MemorySessionStore:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._revoked: dict[str, datetime] = {}
        self._prune_at = 1024
        """Past this many entries, expired ones are dropped (a session nobody refreshes
        again is never looked up again)."""

    async def create(self, session_id: str, user_id: UUID, token_hash: str, ttl: timedelta) -> None:
        now = self._clock.now()
        if len(self._sessions) + len(self._revoked) >= self._prune_at:
            self._prune(now)
        self._sessions[session_id] = _Session(user_id, token_hash, now + ttl)

    async def rotate(
        self, session_id: str, presented_hash: str, new_hash: str, ttl: timedelta
    ) -> tuple[Rotation, UUID | None]:
        now = self._clock.now()
        session = self._sessions.get(session_id)
        if session is None or session.expires_at <= now:
            return Rotation.UNKNOWN, None
        if session.current == presented_hash:
            session.used.add(presented_hash)
            session.current = new_hash
            session.expires_at = now + ttl
            return Rotation.ROTATED, session.user_id
        if presented_hash in session.used:
            return Rotation.REUSED, session.user_id
        return Rotation.UNKNOWN, None

    async def revoke(self, session_ids: Sequence[str], remember_for: timedelta) -> None:
        until = self._clock.now() + remember_for
        for session_id in session_ids:
            self._sessions.pop(session_id, None)
            self._revoked[session_id] = until

    async def sessions_of(self, user_id: UUID) -> list[str]:
        now = self._clock.now()
        return [
            session_id
            for session_id, session in self._sessions.items()
            if session.user_id == user_id and session.expires_at > now
        ]

    async def is_revoked(self, session_id: str) -> bool:
        until = self._revoked.get(session_id)
        return until is not None and until > self._clock.now()

    def _prune(self, now: datetime) -> None:
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > now}
        self._revoked = {k: until for k, until in self._revoked.items() if until > now}
        self._prune_at = max(1024, 2 * (len(self._sessions) + len(self._revoked)))
