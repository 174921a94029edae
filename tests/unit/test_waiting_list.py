"""A waiting-list offer's pass: bound to its buyer, event and ticket type; a room's pass is
no offer, an offer's pass admits to the room."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bolttickets.domain.errors import WaitingListRequired
from bolttickets.services.admission_passes import AdmissionPasses

SECRET = b"unit-test-admission-pass-secret-0123456789"


def test_an_offer_books_its_buyer_one_ticket_type_of_its_event_until_it_expires() -> None:
    passes = AdmissionPasses(SECRET)
    user, event, ticket_type = uuid4(), uuid4(), uuid4()
    offer = passes.issue(user, event, datetime.now(UTC) + timedelta(minutes=10), ticket_type)

    passes.verify_offer(offer, user, event, ticket_type)
    passes.verify(offer, user, event)  # the same buyer and event: it admits to the room too

    for other in (
        (uuid4(), event, ticket_type),
        (user, uuid4(), ticket_type),
        (user, event, uuid4()),
    ):
        with pytest.raises(WaitingListRequired, match="not your offer"):
            passes.verify_offer(offer, *other)
    room_pass = passes.issue(user, event, datetime.now(UTC) + timedelta(minutes=10))
    with pytest.raises(WaitingListRequired, match="not your offer"):
        passes.verify_offer(room_pass, user, event, ticket_type)
    lapsed = passes.issue(user, event, datetime.now(UTC) - timedelta(seconds=5), ticket_type)
    with pytest.raises(WaitingListRequired, match="expired"):
        passes.verify_offer(lapsed, user, event, ticket_type)
    with pytest.raises(WaitingListRequired):
        AdmissionPasses(b"another-secret-another-secret-00").verify_offer(
            offer, user, event, ticket_type
        )
