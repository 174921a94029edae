from datetime import UTC, datetime
from uuid import UUID, uuid4

from bolttickets.domain.allocation import TicketTypeState, allocate
from bolttickets.domain.model import BookingStatus
from bolttickets.domain.requests import BookingRequest, fingerprint

TT = uuid4()
EVENT = uuid4()


def request(user: UUID, quantity: int = 1, tt: UUID = TT) -> BookingRequest:
    return BookingRequest(
        booking_id=uuid4(),
        user_id=user,
        event_id=EVENT,
        ticket_type_id=tt,
        quantity=quantity,
        unit_price_cents=100,
        currency="EUR",
        idempotency_key=None,
        fingerprint=fingerprint(tt, quantity),
        created_at=datetime.now(UTC),
    )


def statuses(decisions: list) -> list[tuple[BookingStatus, str | None]]:
    return [(d.status, d.reason) for d in decisions]


def test_allocates_in_queue_order_until_capacity() -> None:
    requests = [request(uuid4(), q) for q in (2, 2, 2, 1)]
    decisions = allocate(requests, {TT: TicketTypeState(5, 0, None)}, {})
    assert statuses(decisions) == [
        (BookingStatus.RESERVED, None),
        (BookingStatus.RESERVED, None),
        (BookingStatus.REJECTED, "sold-out"),
        (BookingStatus.RESERVED, None),
    ]


def test_counts_what_is_already_sold() -> None:
    decisions = allocate([request(uuid4(), 2)], {TT: TicketTypeState(5, 4, None)}, {})
    assert statuses(decisions) == [(BookingStatus.REJECTED, "sold-out")]


def test_per_user_limit_counts_confirmed_and_earlier_requests_in_the_batch() -> None:
    buyer = uuid4()
    decisions = allocate(
        [request(buyer, 1), request(buyer, 1), request(buyer, 1)],
        {TT: TicketTypeState(100, 0, 3)},
        {(buyer, TT): 1},
    )
    assert statuses(decisions) == [
        (BookingStatus.RESERVED, None),
        (BookingStatus.RESERVED, None),
        (BookingStatus.REJECTED, "per-user-limit"),
    ]


def test_a_booking_id_seen_twice_is_decided_once() -> None:
    first = request(uuid4())
    decisions = allocate([first, first], {TT: TicketTypeState(10, 0, None)}, {})
    assert len(decisions) == 1


def test_unknown_ticket_type_is_rejected_not_an_error() -> None:
    decisions = allocate([request(uuid4(), tt=uuid4())], {TT: TicketTypeState(1, 0, None)}, {})
    assert statuses(decisions) == [(BookingStatus.REJECTED, "unknown-ticket-type")]


def test_a_rejection_does_not_use_up_capacity() -> None:
    buyer = uuid4()
    decisions = allocate(
        [request(buyer, 3), request(uuid4(), 2)], {TT: TicketTypeState(2, 0, 2)}, {}
    )
    assert statuses(decisions) == [
        (BookingStatus.REJECTED, "per-user-limit"),
        (BookingStatus.RESERVED, None),
    ]
