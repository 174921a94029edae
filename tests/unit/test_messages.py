from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bolttickets.domain.requests import BookingRequest, fingerprint
from bolttickets.services.messages import UndecodableMessage, decode_request, encode_request


def a_request() -> BookingRequest:
    tt = uuid4()
    return BookingRequest(
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


def test_a_request_survives_the_wire() -> None:
    request = a_request()
    assert decode_request(encode_request(request)) == request


def test_a_request_is_encoded_once_for_redis_and_the_queue() -> None:
    request = a_request()
    first = encode_request(request)

    assert encode_request(request) is first
    # Another request with the same fields is encoded for itself, to the same bytes.
    twin = replace(request)
    assert encode_request(twin) == first
    assert encode_request(twin) is not first


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe", b"[]", b"{}", b'{"booking_id": "nope"}', b"null"],
)
def test_undecodable_bytes_are_recognised(data: bytes) -> None:
    with pytest.raises(UndecodableMessage):
        decode_request(data)
