"""Admission passes: what an admitted buyer shows to book in a sale with a waiting room.

A pass is a JWT (HS256) bound to its user and event, with an expiry and an audience of its
own, so no access token (audience-less, signed with another key) can pass for one. It is
checked on the booking hot path from its signature alone: no store is asked.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import jwt

from bolttickets.domain.errors import WaitingRoomRequired

AUDIENCE = "admission"
_ALGORITHM = "HS256"


class AdmissionPasses:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(self, user_id: UUID, event_id: UUID, expires_at: datetime) -> str:
        claims = {
            "sub": str(user_id),
            "event": str(event_id),
            "aud": AUDIENCE,
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str, user_id: UUID, event_id: UUID) -> None:
        """Raises WaitingRoomRequired unless ``token`` admits ``user_id`` to ``event_id`` now."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["sub", "event", "aud", "exp"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise WaitingRoomRequired(
                "The admission pass has expired: join the waiting room again.", event_id=event_id
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise WaitingRoomRequired(
                "The admission pass is not valid.", event_id=event_id
            ) from exc
        if claims["sub"] != str(user_id) or claims["event"] != str(event_id):
            raise WaitingRoomRequired(
                "This admission pass is for another buyer or another event.", event_id=event_id
            )
