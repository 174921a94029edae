"""Redis going away mid-call is StockUnavailable (a 503 the client retries), whichever way
the client library or the event loop says it."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bolttickets.adapters.redis_stock import unavailable_as_domain
from bolttickets.domain.errors import StockUnavailable

# What uvloop raises when Redis closes a connection redis-py is still setting up.
UVLOOP_CLOSED = RuntimeError(
    "unable to perform operation on <TCPTransport closed=True reading=False 0x5557>; "
    "the handler is closed"
)


def failing(exc: BaseException):  # type: ignore[no-untyped-def]
    @unavailable_as_domain
    async def call() -> None:
        raise exc

    return call


@pytest.mark.parametrize("exc", [RedisConnectionError("refused"), UVLOOP_CLOSED])
async def test_redis_not_answering_is_stock_unavailable(exc: BaseException) -> None:
    with pytest.raises(StockUnavailable):
        await failing(exc)()


async def test_any_other_runtime_error_is_not_hidden() -> None:
    with pytest.raises(RuntimeError, match="a bug of ours"):
        await failing(RuntimeError("a bug of ours"))()
