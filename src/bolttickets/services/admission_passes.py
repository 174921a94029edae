"""Admission passes: what an admitted buyer shows to book in a sale with a waiting room, and
what a buyer offered a ticket from a waiting list shows to book it.

A pass is a JWT (HS256) bound to its user and event, with an expiry and an audience of its
own, so no access token (audience-less, signed with another key) can pass for one. A
waiting-list offer's pass is also bound to its ticket type (the ``ticket_type`` claim); a
room's pass has none, so it never passes for an offer (an offer's pass, bound to the same
buyer and event, does admit to the room). It is checked on the booking hot path from its
signature alone: no store is asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import jwt

from bolttickets.domain.errors import WaitingListRequired, WaitingRoomRequired

AUDIENCE = "admission"
_ALGORITHM = "HS256"
_TICKET_TYPE = "ticket_type"


class AdmissionPasses:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def issue(
        self,
        user_id: UUID,
        event_id: UUID,
        expires_at: datetime,
        ticket_type_id: UUID | None = None,
    ) -> str:
        """A room's pass; with ``ticket_type_id``, a waiting-list offer's."""
        claims = {
            "sub": str(user_id),
            "event": str(event_id),
            "aud": AUDIENCE,
            "exp": int(expires_at.timestamp()),
        }
        if ticket_type_id is not None:
            claims[_TICKET_TYPE] = str(ticket_type_id)
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str, user_id: UUID, event_id: UUID) -> None:
        """Raises WaitingRoomRequired unless ``token`` admits ``user_id`` to ``event_id`` now."""
        try:
            claims = self._claims(token)
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

    def verify_offer(self, token: str, user_id: UUID, event_id: UUID, ticket_type_id: UUID) -> None:
        """Raises WaitingListRequired unless ``token`` is ``user_id``'s offer of a ticket of
        ``ticket_type_id`` (of ``event_id``), not yet expired."""
        try:
            claims = self._claims(token)
        except jwt.ExpiredSignatureError as exc:
            raise WaitingListRequired(
                "The offer has expired: it passed to the next in line.", event_id=event_id
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise WaitingListRequired(event_id=event_id) from exc
        if (
            claims["sub"] != str(user_id)
            or claims["event"] != str(event_id)
            or claims.get(_TICKET_TYPE) != str(ticket_type_id)
        ):
            raise WaitingListRequired(
                "This pass is not your offer of this ticket type.", event_id=event_id
            )

    def _claims(self, token: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            self._secret,
            algorithms=[_ALGORITHM],
            audience=AUDIENCE,
            options={"require": ["sub", "event", "aud", "exp"]},
        )
