"""Undecodable bytes inside a batch of valid requests: dead-lettered, the rest confirmed.
And a request PostgreSQL refuses (its buyer's account went after it was admitted) is
dead-lettered alone, its hold given back, instead of wedging its partition."""

from __future__ import annotations

import asyncio
import uuid

import jwt
from confluent_kafka import Consumer, Producer

from tests.stack.conftest import Stack
from tests.support import Api, eventually

APIS = 1
WORKERS = 1

GARBAGE = [b"\xff\xfe not json", b'{"booking_id": "nope"}', b""]


def produce_raw(stack: Stack, key: bytes) -> None:
    producer = Producer(
        {"bootstrap.servers": stack.kafka_bootstrap, "acks": "all", "partitioner": "murmur2_random"}
    )
    for value in GARBAGE:
        producer.produce(stack.topic, key=key, value=value)
    assert producer.flush(30) == 0


def dead_letters(stack: Stack, count: int) -> list[bytes]:
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka_bootstrap,
            "group.id": f"dlq-reader-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([f"{stack.topic}.dlq"])
    found: list[bytes] = []
    try:
        for _ in range(120):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                found.append(message.value() or b"")
            if len(found) >= count:
                break
    finally:
        consumer.close()
    return found


async def test_undecodable_records_go_to_the_dead_letter_topic(stack: Stack, api: Api) -> None:
    event = await api.create_event([50])
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(20)
    [worker] = stack.workers
    worker.pause()  # so the garbage and the valid requests meet in one batch
    before = await asyncio.gather(*(api.book(t, tt) for t in tokens[:10]))
    await asyncio.to_thread(produce_raw, stack, tt.encode())
    after = await asyncio.gather(*(api.book(t, tt) for t in tokens[10:]))
    accepted = [(tokens[i], r.json()["booking_id"]) for i, r in enumerate([*before, *after])]
    worker.resume()

    statuses = await api.final_statuses(accepted)
    assert set(statuses.values()) == {"reserved"}
    assert sorted(await asyncio.to_thread(dead_letters, stack, len(GARBAGE))) == sorted(GARBAGE)
    # The worker went on: a later booking is confirmed too.
    later = (await api.book(tokens[0], tt)).json()["booking_id"]
    assert (await api.final_statuses([(tokens[0], later)]))[later] == "reserved"
    assert await stack.counts(tt) == {"reserved": 21}


async def test_a_request_the_database_refuses_is_dead_lettered_alone(
    stack: Stack, api: Api
) -> None:
    event = await api.create_event([50])
    tt = event["ticket_types"][0]["id"]
    tokens = await api.buyers(12)
    doomed = tokens[5]
    [worker] = stack.workers
    worker.pause()  # so the refused request and the valid ones meet in one batch
    responses = await asyncio.gather(*(api.book(t, tt, 2) for t in tokens))
    assert {r.status_code for r in responses} == {202}
    accepted = {t: r.json()["booking_id"] for t, r in zip(tokens, responses, strict=True)}
    user_id = jwt.decode(doomed, options={"verify_signature": False})["sub"]
    await stack.sql("DELETE FROM users WHERE id = $1", uuid.UUID(user_id))
    worker.resume()

    others = [(t, b) for t, b in accepted.items() if t != doomed]
    statuses = await api.final_statuses(others)
    assert set(statuses.values()) == {"reserved"}
    assert await stack.counts(tt) == {"reserved": 11}

    async def remaining() -> int:
        return (await api.remaining(event["id"]))[tt]

    await eventually(remaining, lambda r: r == 50 - 22)  # the refused request's hold is back
    letters = await asyncio.to_thread(dead_letters, stack, len(GARBAGE) + 1)
    assert accepted[doomed].encode() in b"".join(letters)
    # The partition goes on: a later booking is confirmed too.
    later = (await api.book(tokens[0], tt)).json()["booking_id"]
    assert (await api.final_statuses([(tokens[0], later)]))[later] == "reserved"
