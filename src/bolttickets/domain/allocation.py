"""The worker's decision for one batch: who gets tickets, in queue order.

Pure function over the locked state of the ticket types, so the same rule runs on every
database adapter and is unit-tested without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from bolttickets.domain.model import DEFAULT_PAYMENT_WINDOW_SECONDS, BookingStatus, RejectReason
from bolttickets.domain.requests import BookingRequest


@dataclass(frozen=True, slots=True)
class TicketTypeState:
    capacity: int
    sold: int
    per_user_limit: int | None
    payment_window_seconds: int = DEFAULT_PAYMENT_WINDOW_SECONDS


@dataclass(frozen=True, slots=True)
class Decision:
    request: BookingRequest
    status: BookingStatus
    reason: str | None


def allocate(
    requests: Iterable[BookingRequest],
    ticket_types: Mapping[UUID, TicketTypeState],
    held_per_user: Mapping[tuple[UUID, UUID], int],
) -> list[Decision]:
    """Decide each request in order with a running sum per ticket type and per buyer.

    ``requests`` must already exclude bookings the database holds; a booking id seen twice in
    the batch is decided once.
    """
    sold = {tt_id: state.sold for tt_id, state in ticket_types.items()}
    per_user = dict(held_per_user)
    seen: set[UUID] = set()
    decisions: list[Decision] = []
    for request in requests:
        if request.booking_id in seen:
            continue
        seen.add(request.booking_id)
        state = ticket_types.get(request.ticket_type_id)
        if state is None:
            decisions.append(_reject(request, RejectReason.UNKNOWN_TICKET_TYPE))
            continue
        user_key = (request.user_id, request.ticket_type_id)
        held = per_user.get(user_key, 0)
        if state.per_user_limit is not None and held + request.quantity > state.per_user_limit:
            decisions.append(_reject(request, RejectReason.PER_USER_LIMIT))
            continue
        if sold[request.ticket_type_id] + request.quantity > state.capacity:
            decisions.append(_reject(request, RejectReason.SOLD_OUT))
            continue
        sold[request.ticket_type_id] += request.quantity
        per_user[user_key] = held + request.quantity
        decisions.append(Decision(request, _allocated(request), None))
    return decisions


def _allocated(request: BookingRequest) -> BookingStatus:
    """A free booking is paid at once; a priced one is reserved while its buyer pays."""
    return BookingStatus.RESERVED if request.unit_price_cents > 0 else BookingStatus.PAID


def _reject(request: BookingRequest, reason: RejectReason) -> Decision:
    return Decision(request, BookingStatus.REJECTED, reason.value)
