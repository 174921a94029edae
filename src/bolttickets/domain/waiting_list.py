"""The waiting list of a sold-out ticket type: who waits, who holds an offer, who bought.

Tickets that come back are offered one each to the next in line, each offer expiring after
the event's offer lifetime; an offer not taken passes to the next. While anyone waits or
holds an offer the ticket type is *gated*: only a buyer with a valid offer may book it, so
nobody is offered more than came back and nobody without an offer jumps the list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

DEFAULT_OFFER_TTL_SECONDS = 600


class ListState(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    LAPSED = "lapsed"
    """Held an offer and let it expire."""
    BOUGHT = "bought"
    """Booked with the offer."""
    LEFT = "left"


@dataclass(frozen=True, slots=True)
class ListPlace:
    """A buyer's place on one ticket type's waiting list."""

    state: ListState
    position: int | None
    """Waiting buyers ahead, this one included (1: next); None unless waiting."""
    offer_expires_at: datetime | None = None
    """Only while offered."""


@dataclass(frozen=True, slots=True)
class Offers:
    """What one step changed: who now holds an offer, and the highest place offered so far
    (the number in line of the last buyer who got one)."""

    offered: tuple[UUID, ...]
    offered_through: int
    gated: bool
    """Whether anyone still waits or holds an offer after this step."""
    lapsed: int = 0


@dataclass(frozen=True, slots=True)
class ListCounts:
    event_id: UUID
    ticket_type_id: UUID
    waiting: int
    offered: int
    bought: int
    lapsed: int

    @property
    def gated(self) -> bool:
        """Whether only an offer books the ticket type."""
        return self.waiting + self.offered > 0
