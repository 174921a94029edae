"""Which stock store the settings choose, and the sub-stocks a single Redis refuses."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bolttickets.adapters.redis_stock import RedisStockStore
from bolttickets.adapters.redis_substocks import RedisSubStockStore
from bolttickets.bootstrap import redis_stock_store
from bolttickets.config import Settings

SECRET = "s" * 40


def settings(**values: object) -> Settings:
    return Settings(jwt_secret=SECRET, **values)  # type: ignore[arg-type]


def test_sub_stocks_without_a_cluster_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="BOLT_REDIS_SUB_STOCKS=3 needs a Redis Cluster"):
        settings(redis_sub_stocks=3)


def test_one_stock_per_ticket_type_by_default() -> None:
    client = aioredis.Redis()  # never connects: the stores only register their scripts
    assert settings().redis_sub_stocks == 1
    assert isinstance(redis_stock_store(client, settings()), RedisStockStore)
    assert isinstance(redis_stock_store(client, settings(redis_cluster=True)), RedisStockStore)


def test_sub_stocks_on_a_cluster_split_every_stock() -> None:
    store = redis_stock_store(aioredis.Redis(), settings(redis_cluster=True, redis_sub_stocks=3))
    assert isinstance(store, RedisSubStockStore)
    assert store.sub_stocks == 3


def test_at_most_four_sub_stocks() -> None:
    """The version, a sum of K clock versions, must stay exact as a JavaScript number."""
    with pytest.raises(ValueError, match="less than or equal to 4"):
        settings(redis_cluster=True, redis_sub_stocks=5)
