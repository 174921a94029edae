"""How many replicas the application's topics get, by environment and by override."""

from __future__ import annotations

import pytest

from bolttickets.config import Settings

SECRET = "s" * 40


def settings(**values: object) -> Settings:
    return Settings(jwt_secret=SECRET, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("env", "replicas", "in_sync"), [("production", 3, 2), ("dev", 1, 1), ("test", 1, 1)]
)
def test_production_replicates_and_one_broker_setups_do_not(
    env: str, replicas: int, in_sync: int
) -> None:
    chosen = settings(env=env)
    assert (chosen.topic_replication_factor, chosen.topic_min_insync_replicas) == (
        replicas,
        in_sync,
    )


def test_an_operator_sets_both() -> None:
    chosen = settings(env="dev", kafka_replication_factor=5, kafka_min_insync_replicas=3)
    assert (chosen.topic_replication_factor, chosen.topic_min_insync_replicas) == (5, 3)
    assert settings(kafka_replication_factor=1).topic_min_insync_replicas == 1


def test_more_in_sync_replicas_than_replicas_is_refused() -> None:
    with pytest.raises(ValueError, match="BOLT_KAFKA_MIN_INSYNC_REPLICAS"):
        settings(env="dev", kafka_min_insync_replicas=2)
