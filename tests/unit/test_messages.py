from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.messages import UndecodableMessage, decode_request, encode_request


def test_a_request_survives_the_wire() -> None:
    tt = uuid4()
    request = BookingRequest(
        uuid4(),
        uuid4(),
        uuid4(),
        tt,
        3,
        1999,
        "EUR",
        "key",
        fingerprint(tt, 3),
        datetime.now(UTC),
    )
    assert decode_request(encode_request(request)) == request


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe", b"[]", b"{}", b'{"booking_id": "nope"}', b"null"],
)
def test_undecodable_bytes_are_recognised(data: bytes) -> None:
    with pytest.raises(UndecodableMessage):
        decode_request(data)
