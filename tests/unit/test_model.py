from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bolttickets.domain.errors import BookingNotCancellable, InvalidEvent
from bolttickets.domain.model import Booking, BookingStatus, Event, TicketType
from bolttickets.domain.requests import booking_id_for, fingerprint

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def booking(status: BookingStatus) -> Booking:
    return Booking(uuid4(), uuid4(), uuid4(), uuid4(), 2, 1500, "EUR", status, None, NOW)


@pytest.mark.parametrize("status", [BookingStatus.RESERVED, BookingStatus.CANCELLED])
def test_confirmed_and_cancelled_bookings_can_be_cancelled(status: BookingStatus) -> None:
    booking(status).ensure_cancellable()


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.REJECTED])
def test_pending_and_rejected_bookings_cannot_be_cancelled(status: BookingStatus) -> None:
    with pytest.raises(BookingNotCancellable):
        booking(status).ensure_cancellable()


def test_total_is_quantity_times_unit_price() -> None:
    assert booking(BookingStatus.RESERVED).total_cents == 3000


def event(sale_starts_at: datetime | None, names: list[str]) -> Event:
    event_id = uuid4()
    return Event(
        event_id,
        "Show",
        "Hall",
        NOW,
        sale_starts_at,
        NOW,
        tuple(TicketType(uuid4(), event_id, n, 100, "EUR", 10, None) for n in names),
    )


def test_event_validation() -> None:
    event(None, ["GA"]).validate()
    with pytest.raises(InvalidEvent):
        event(None, []).validate()
    with pytest.raises(InvalidEvent):
        event(NOW, ["GA"]).validate()
    with pytest.raises(InvalidEvent):
        event(None, ["GA", "GA"]).validate()


def test_booking_ids_are_deterministic_per_user_and_key() -> None:
    user = uuid4()
    assert booking_id_for(user, "k") == booking_id_for(user, "k")
    assert booking_id_for(user, "k") != booking_id_for(uuid4(), "k")
    assert booking_id_for(user, None) != booking_id_for(user, None)


def test_fingerprint_tells_bodies_apart() -> None:
    tt = uuid4()
    assert fingerprint(tt, 1) == fingerprint(tt, 1)
    assert fingerprint(tt, 1) != fingerprint(tt, 2)
