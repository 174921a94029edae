"""One booking is one trace, from its HTTP request to the worker, as a real Jaeger stores it.

The API and the worker run against the real services and export every trace (ratio 1.0)
to Jaeger over OTLP/HTTP; the test books once and reads the trace back from Jaeger's query
API, the Kafka message from the topic, and the API's log line from its log file.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka import Consumer

from tests.observability.jaeger import Jaeger
from tests.stack.conftest import Stack
from tests.support import Api, eventually, tool

APIS = 1
WORKERS = 1
BOOKING_ROUTE = "POST /api/bookings"


@pytest.fixture(scope="module")
async def jaeger(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Jaeger]:
    jaeger = Jaeger(tool("jaeger"), tmp_path_factory.mktemp("jaeger"))
    try:
        await jaeger.start()
        yield jaeger
    finally:
        jaeger.stop()


@pytest.fixture(scope="module")
def stack_env(jaeger: Jaeger) -> dict[str, str]:
    return {
        "BOLT_OTLP_ENDPOINT": jaeger.otlp_url,
        "BOLT_TRACE_SAMPLE_RATIO": "1.0",
        "BOLT_LOG_JSON": "true",
        "BOLT_LOG_LEVEL": "DEBUG",  # the API logs each booking it queued at DEBUG
    }


async def test_a_booking_is_one_trace_from_its_request_to_the_worker(
    stack: Stack, api: Api, jaeger: Jaeger
) -> None:
    event = await api.create_event([10])
    ticket_type_id = event["ticket_types"][0]["id"]
    token = await api.new_buyer()
    response = await api.book(token, ticket_type_id, key="the-traced-booking")
    assert response.status_code == 202, response.text
    booking_id = response.json()["booking_id"]
    assert (await api.final_statuses([(token, booking_id)])) == {booking_id: "reserved"}

    [request_trace] = await eventually(
        lambda: jaeger.traces("bolttickets-api", BOOKING_ROUTE), lambda found: len(found) == 1
    )
    trace_id = request_trace["traceID"]
    spans = Spans(request_trace)
    http = spans.named(BOOKING_ROUTE)
    reserve = spans.named("reserve stock")
    send = spans.named(f"send {stack.topic}")
    assert spans.parent_of(reserve) == http["spanID"]
    assert spans.parent_of(send) == http["spanID"]
    assert reserve["startTime"] + reserve["duration"] <= send["startTime"]
    assert tags(reserve)["bolttickets.admission"] == "reserved"

    traceparent = await traceparent_of(stack, booking_id)
    _, header_trace_id, header_span_id, _ = traceparent.split("-")
    assert (header_trace_id, header_span_id) == (trace_id, send["spanID"])

    batch_trace = await eventually(
        lambda: batch_linked_to(jaeger, stack.topic, trace_id), lambda found: found is not None
    )
    assert batch_trace is not None
    batch_spans = Spans(batch_trace)
    batch = batch_spans.named(f"process {stack.topic}")
    assert {"traceID": trace_id, "spanID": send["spanID"]} in batch_spans.links_of(batch)
    transaction = batch_spans.named("batch transaction")
    assert batch_spans.parent_of(transaction) == batch["spanID"]
    statements = batch_spans.children_of(transaction)
    assert statements, "the transaction's SQL statements were not traced"
    assert {tags(s).get("db.system") for s in statements} == {"postgresql"}
    assert batch_spans.parent_of(batch_spans.named("publish statuses")) == batch["spanID"]

    [queued] = [
        line for line in json_lines(stack.apis[0].log_path) if line["event"] == "booking_queued"
    ]
    assert queued["booking_id"] == booking_id
    assert queued["trace_id"] == trace_id


class Spans:
    """The spans of one trace in Jaeger's JSON, looked up by name and by reference."""

    def __init__(self, trace: dict[str, Any]) -> None:
        self.spans: list[dict[str, Any]] = trace["spans"]

    def named(self, name: str) -> dict[str, Any]:
        [span] = [s for s in self.spans if s["operationName"] == name]
        return span

    @staticmethod
    def parent_of(span: dict[str, Any]) -> str | None:
        parents = [r["spanID"] for r in span["references"] if r["refType"] == "CHILD_OF"]
        return parents[0] if parents else None

    def children_of(self, span: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for s in self.spans if self.parent_of(s) == span["spanID"]]

    @staticmethod
    def links_of(span: dict[str, Any]) -> list[dict[str, str]]:
        return [
            {"traceID": r["traceID"], "spanID": r["spanID"]}
            for r in span["references"]
            if r["refType"] == "FOLLOWS_FROM"
        ]


def tags(span: dict[str, Any]) -> dict[str, Any]:
    return {tag["key"]: tag["value"] for tag in span["tags"]}


async def batch_linked_to(jaeger: Jaeger, topic: str, trace_id: str) -> dict[str, Any] | None:
    """The worker's trace whose batch span links to ``trace_id``, once Jaeger has it."""
    for trace in await jaeger.traces("bolttickets-worker", f"process {topic}"):
        batch = Spans(trace).named(f"process {topic}")
        if any(link["traceID"] == trace_id for link in Spans.links_of(batch)):
            return trace
    return None


async def traceparent_of(stack: Stack, booking_id: str) -> str:
    """The ``traceparent`` header of the Kafka message that carried the booking."""
    consumer = Consumer(
        {
            "bootstrap.servers": stack.kafka_bootstrap,
            "group.id": f"trace-reader-{booking_id}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([stack.topic])

    async def next_message() -> tuple[bytes, dict[str, bytes]] | None:
        message = await asyncio.to_thread(consumer.poll, 1.0)
        if message is None or message.error() is not None:
            return None
        return message.value() or b"", dict(message.headers() or [])

    try:
        while True:
            found = await eventually(next_message, lambda m: m is not None)
            assert found is not None
            value, headers = found
            if booking_id.encode() in value:
                return headers["traceparent"].decode()
    finally:
        await asyncio.to_thread(consumer.close)


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_bytes().splitlines():
        if raw.startswith(b"{"):
            lines.append(orjson.loads(raw))
    return lines
