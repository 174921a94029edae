"""How many replicas the application's topics get, and how its Kafka clients log in."""

from __future__ import annotations

import pytest

from bolttickets.bootstrap import kafka_security
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


def test_plaintext_is_the_default_and_sends_no_credentials() -> None:
    assert kafka_security(settings()).client_config() == {"security.protocol": "PLAINTEXT"}


def test_sasl_ssl_settings_become_librdkafka_properties() -> None:
    chosen = settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="bolt",
        kafka_sasl_password="hunter2",
        kafka_ssl_ca_location="/etc/kafka/ca.pem",
    )
    assert kafka_security(chosen).client_config() == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "bolt",
        "sasl.password": "hunter2",
        "ssl.ca.location": "/etc/kafka/ca.pem",
    }


def test_the_ca_bundle_is_left_out_without_tls() -> None:
    chosen = settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="$ConnectionString",
        kafka_sasl_password="Endpoint=sb://x/;SharedAccessKey=y",
        kafka_ssl_ca_location="/etc/kafka/ca.pem",
    )
    assert "ssl.ca.location" not in kafka_security(chosen).client_config()


def test_the_password_is_never_shown() -> None:
    chosen = settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="bolt",
        kafka_sasl_password="hunter2",
    )
    assert "hunter2" not in repr(chosen)
    assert "hunter2" not in repr(kafka_security(chosen))


@pytest.mark.parametrize("protocol", ["SASL_SSL", "SASL_PLAINTEXT"])
def test_sasl_without_a_complete_login_is_refused(protocol: str) -> None:
    expected = "BOLT_KAFKA_SASL_MECHANISM, BOLT_KAFKA_SASL_PASSWORD"
    with pytest.raises(ValueError, match=expected):
        settings(kafka_security_protocol=protocol, kafka_sasl_username="bolt")
    with pytest.raises(ValueError, match="BOLT_KAFKA_SASL_PASSWORD"):
        settings(
            kafka_security_protocol=protocol,
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username="bolt",
            kafka_sasl_password="",
        )
