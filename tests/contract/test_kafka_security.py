"""The Kafka clients over TLS with a SCRAM login, as MSK's SCRAM listener wants them.

Against the test broker's SASL_SSL listener: ``scripts/services`` signs its certificate with
a throwaway CA and creates its SCRAM-SHA-512 user. The refusals are bounded by the clients'
own timeouts, so a wrong password fails with a reason instead of hanging.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator

import pytest

from bolttickets.adapters.kafka_queue import (
    KafkaBookingConsumer,
    KafkaBookingQueue,
    dead_letter_topic,
    ensure_topics,
    kafka_reachable,
)
from bolttickets.domain.errors import QueueUnavailable
from bolttickets.services.messages import encode_request
from tests.conftest import SecuredKafka
from tests.contract.test_queue import PATIENCE, booking, delete_topics, receive, unique


@pytest.fixture
async def topic(kafka_sasl_ssl: SecuredKafka) -> AsyncIterator[str]:
    """A fresh topic, made over the SASL_SSL listener like every other call here."""
    name = unique("bolt-secure")
    await asyncio.to_thread(
        ensure_topics,
        kafka_sasl_ssl.bootstrap,
        name,
        1,
        replication_factor=1,
        min_insync_replicas=1,
        security=kafka_sasl_ssl.security,
    )
    yield name
    await asyncio.to_thread(
        delete_topics,
        kafka_sasl_ssl.bootstrap,
        [name, dead_letter_topic(name)],
        kafka_sasl_ssl.security,
    )


async def test_a_booking_travels_over_tls_with_a_scram_login(
    kafka_sasl_ssl: SecuredKafka, topic: str
) -> None:
    bootstrap, security = kafka_sasl_ssl
    await kafka_reachable(bootstrap, timeout=PATIENCE, security=security)
    producer = KafkaBookingQueue(bootstrap, topic, security=security)
    await producer.start()
    request = booking(uuid.uuid4())
    try:
        await producer.send(request)
    finally:
        await producer.stop()

    async def no_stored_offsets() -> dict[int, int]:
        return {}

    consumer = KafkaBookingConsumer(
        bootstrap,
        topic,
        group=unique("secure-group"),
        stored_offsets=no_stored_offsets,
        security=security,
    )
    try:
        [record] = await receive(consumer, 1)
    finally:
        await consumer.close()
    assert record.value == encode_request(request)


async def test_a_wrong_password_is_refused_with_the_reason(
    kafka_sasl_ssl: SecuredKafka, topic: str
) -> None:
    bootstrap, security = kafka_sasl_ssl
    wrong = dataclasses.replace(security, sasl_password="not-the-password")

    with pytest.raises(ConnectionError, match=r"[Aa]uthentication failed"):
        await kafka_reachable(bootstrap, timeout=5.0, security=wrong)

    producer = KafkaBookingQueue(bootstrap, topic, security=wrong, delivery_timeout_ms=2000)
    await producer.start()
    try:
        # Bounded by the delivery timeout; PATIENCE only turns a hang into a failure.
        async with asyncio.timeout(PATIENCE):
            with pytest.raises(QueueUnavailable):
                await producer.send(booking(uuid.uuid4()))
    finally:
        await producer.stop()


async def test_a_broker_certificate_of_an_unknown_ca_is_refused(
    kafka_sasl_ssl: SecuredKafka,
) -> None:
    bootstrap, security = kafka_sasl_ssl
    # The system's trust store, which does not have the test CA.
    untrusting = dataclasses.replace(security, ssl_ca_location=None)

    with pytest.raises(ConnectionError, match="certificate verify failed"):
        await kafka_reachable(bootstrap, timeout=5.0, security=untrusting)
