"""The virtual waiting room in front of a flash sale: its settings, states and arithmetic.

Each place is a number; one "now serving" counter per event admits every number up to it.
A buyer's position and estimated wait follow from their number and that counter alone, so
the room broadcasts one counter per event, never a message per buyer.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from bolttickets.domain.errors import InvalidWaitingRoom
from bolttickets.domain.model import Event

DEFAULT_PASS_TTL_SECONDS = 600
DEFAULT_AUTOMATIC_FACTOR = 1.0


class RoomState(enum.StrEnum):
    """A buyer's state; the room's own (broadcast) is waiting, sold_out or closed."""

    WAITING = "waiting"
    ADMITTED = "admitted"
    SOLD_OUT = "sold_out"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class RoomSettings:
    event_id: UUID
    opens_at: datetime
    admit_per_minute: int | None
    """None: automatic, by the tickets that remain (``automatic_admissions``)."""
    pass_ttl_seconds: int = DEFAULT_PASS_TTL_SECONDS
    automatic_factor: float = DEFAULT_AUTOMATIC_FACTOR
    """Automatic mode admits while admitted-but-not-yet-bought < remaining x this."""
    enabled: bool = True
    offer_ttl_seconds: int | None = None
    """How long a waiting-list offer lasts (docs/waiting-room.md, "Waiting list"); None:
    the deployment's default. Set here whether or not the room is enabled."""

    def validate(self, event: Event) -> None:
        if self.admit_per_minute is not None and self.admit_per_minute <= 0:
            raise InvalidWaitingRoom("admit_per_minute must be a positive integer, or null.")
        if self.pass_ttl_seconds <= 0:
            raise InvalidWaitingRoom("pass_ttl_seconds must be positive.")
        if self.offer_ttl_seconds is not None and self.offer_ttl_seconds <= 0:
            raise InvalidWaitingRoom("offer_ttl_seconds must be positive, or null.")
        if self.automatic_factor <= 0:
            raise InvalidWaitingRoom("automatic_factor must be positive.")
        if event.sale_starts_at is not None and self.opens_at >= event.sale_starts_at:
            raise InvalidWaitingRoom("The room must open before the sale starts.")
        if self.opens_at >= event.starts_at:
            raise InvalidWaitingRoom("The room must open before the event starts.")

    def lottery_at(self, event: Event) -> datetime:
        """When the pre-queue is drawn: the sale's start (the room's opening for a sale
        that has no start of its own)."""
        return event.sale_starts_at or self.opens_at


def position(number: int, now_serving: int) -> int:
    """Places ahead of ``number``, itself included (1: next); 0 once admitted."""
    return max(0, number - now_serving)


def estimated_wait_seconds(ahead: int, per_minute: float | None) -> int | None:
    """At the measured rate; None while no rate is known."""
    if ahead == 0:
        return 0
    if not per_minute or per_minute <= 0:
        return None
    return math.ceil(ahead * 60 / per_minute)


def automatic_admissions(outstanding: int, remaining: int, factor: float) -> int:
    """How many more to admit now: admitted-but-not-yet-bought demand may not exceed the
    tickets that remain times ``factor``, so nobody is let in to find nothing."""
    return max(0, math.ceil(remaining * factor) - outstanding)


@dataclass(frozen=True, slots=True)
class TickMark:
    """The room's counters at one tick, kept for one pass lifetime."""

    at: float
    """Unix seconds."""
    now_serving: int
    bought: int


def outstanding(history: Sequence[TickMark], now_serving: int, bought: int, since: float) -> int:
    """Admitted since ``since`` (one pass lifetime ago: an older pass is of no use) and not
    bought: the demand already let in. Measured from the last mark at or before ``since``;
    from nothing when the room is younger than that."""
    before = [m for m in history if m.at <= since]
    base = before[-1] if before else TickMark(since, 0, 0)
    return max(0, (now_serving - base.now_serving) - (bought - base.bought))


def measured_rate(history: Sequence[TickMark], window_seconds: float) -> float | None:
    """Admissions per minute over the last ``window_seconds`` of marks; None with fewer
    than two marks in it."""
    if not history:
        return None
    latest = history[-1]
    recent = [m for m in history if m.at >= latest.at - window_seconds]
    first = recent[0]
    if latest.at <= first.at:
        return None
    return (latest.now_serving - first.now_serving) * 60 / (latest.at - first.at)


def trimmed(history: Sequence[TickMark], now: float, keep_seconds: float) -> list[TickMark]:
    """The marks of the last ``keep_seconds``, plus the one just before them (the baseline
    the window is measured from)."""
    kept = [m for m in history if m.at >= now - keep_seconds]
    older = [m for m in history if m.at < now - keep_seconds]
    return ([older[-1]] if older else []) + kept
