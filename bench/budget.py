"""``python -m bench budget``: the CPU a booking's library calls cost on their own, in one
process, against the real services: the floor under any booking request this stack serves.

A booking request must verify a buyer's token (PyJWT, the first time a process sees it),
validate its body (Pydantic), reserve at the stock (redis-py, ``RedisStockStore``, the
single-node path, ``--in-flight`` at a time so ticks group as under a sale) and send the
request to Kafka (confluent-kafka, ``KafkaBookingQueue``, acknowledged). Each is timed alone
with this process's CPU (every thread: librdkafka's too) over ``--calls`` calls; their sum,
before any HTTP server, routing or middleware, bounds the bookings one core can serve. The
targets of issue 14 are set against it: ≥ 10,000 bookings/s per API core is a budget of
100 µs a booking, HTTP included.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Iterable
from typing import Annotated

import orjson
import typer

from bench import baselines, options, report
from bench.cleanup import delete_matching, delete_topics
from bench.reserve import awaited_in_flight, calibrate, keyed_request, load_stock
from bench.sale_run import TARGET_BOOKINGS_PER_S
from bolttickets.adapters.kafka_queue import KafkaBookingQueue, dead_letter_topic, ensure_topics
from bolttickets.adapters.redis_stock import RedisStockStore, connect_redis
from bolttickets.api.schemas import BookingIn
from bolttickets.api.security import Tokens
from bolttickets.domain.model import Role


def budget_command(
    calls: Annotated[int, typer.Option(min=1, help="Calls of each library.")] = 20_000,
    in_flight: Annotated[
        int, typer.Option(min=1, help="Reservations and sends awaited at once.")
    ] = 64,
    out_dir: options.OutDir = options.RESULTS,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """CPU per call of each library a booking must call, and the bookings/s per core their
    sum allows before any HTTP is served."""
    console = report.console()
    if missing := baselines.redis_benchmark_missing():  # the calibration's PING
        console.print(f"[red]{missing}")
        raise typer.Exit(2)
    start, costs, end = asyncio.run(_measure(calls, in_flight, redis_url, kafka_bootstrap))
    floor = sum(costs.values())
    per_core = 1e6 / floor
    figures = [report.Figure(name, us, "µs", note=f"{calls:,} calls") for name, us in costs.items()]
    figures.append(
        report.Figure(
            "a booking's library calls, summed",
            floor,
            "µs",
            note="before any HTTP server, routing or middleware",
        )
    )
    figures.append(
        report.Figure(
            "bookings per core those calls allow",
            per_core,
            "/s",
            note="an upper bound: one second of CPU over the sum",
            targets=report.at_least(
                TARGET_BOOKINGS_PER_S,
                per_core,
                f"≥ {TARGET_BOOKINGS_PER_S:,}/s per API core",
            ),
            headline=True,
        )
    )
    calibration = {"start": start, "end": end}
    console.print(f"calibration at start: {report.calibration_text(calibration['start'])}")
    console.print(report.table("a booking's library calls, each alone", figures))
    console.print(f"calibration at end:   {report.calibration_text(calibration['end'])}")
    path = report.write_json(
        out_dir,
        report.result_stem("budget", "stack"),
        figures,
        {"calibration": calibration, "calls": calls, "in_flight": in_flight},
    )
    console.print(f"results: {path}")


async def _measure(
    calls: int, in_flight: int, redis_url: str, kafka_bootstrap: str
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """The calibration at the start, the CPU per call of each library, the calibration at
    the end."""
    start = await calibrate(redis_url)
    costs = {
        "PyJWT: a buyer's first token (Tokens.verify)": await _tokens(calls),
        "Pydantic: validate the body": _body(calls),
        "redis-py: reserve (RedisStockStore)": await _reserve(calls, in_flight, redis_url),
        "confluent-kafka: send, acknowledged": await _send(calls, in_flight, kafka_bootstrap),
    }
    return start, costs, await calibrate(redis_url)


async def _tokens(calls: int) -> float:
    async def never_revoked(session_id: str) -> bool:
        return False

    secret = uuid.uuid4().hex * 2
    tokens = Tokens(secret, ttl_seconds=3600, is_revoked=never_revoked)
    issued = [tokens.issue(uuid.uuid4(), Role.CUSTOMER, uuid.uuid4().hex) for _ in range(calls)]
    return await _cpu_per_call(calls, 1, (tokens.verify(token) for token in issued))


def _body(calls: int) -> float:
    bodies = [
        orjson.dumps({"ticket_type_id": str(uuid.uuid4()), "quantity": 1}) for _ in range(calls)
    ]
    started = time.process_time()
    for body in bodies:
        BookingIn.model_validate_json(body)
    return (time.process_time() - started) / calls * 1e6


async def _reserve(calls: int, in_flight: int, redis_url: str) -> float:
    client = await connect_redis(redis_url)
    namespace = f"bench-budget-{uuid.uuid4().hex[:12]}"
    try:
        store = RedisStockStore(client, namespace, single_node=True)
        await store.start()
        tt = await load_stock(store, calls)
        requests = [keyed_request(tt, n) for n in range(calls)]
        return await _cpu_per_call(calls, in_flight, (store.reserve(r) for r in requests))
    finally:
        await delete_matching(client, f"{namespace}:*")
        await client.aclose()


async def _send(calls: int, in_flight: int, kafka_bootstrap: str) -> float:
    topic = f"bench-budget-{uuid.uuid4().hex[:12]}"
    await asyncio.to_thread(
        ensure_topics, kafka_bootstrap, topic, 1, replication_factor=1, min_insync_replicas=1
    )
    queue = KafkaBookingQueue(kafka_bootstrap, topic)
    await queue.start()
    try:
        requests = [keyed_request(uuid.uuid4(), n) for n in range(calls)]
        await queue.send(requests[0])  # connected before the clock starts
        return await _cpu_per_call(calls, in_flight, (queue.send(r) for r in requests))
    finally:
        await queue.stop()
        await delete_topics(kafka_bootstrap, [topic, dead_letter_topic(topic)])


async def _cpu_per_call(calls: int, in_flight: int, work: Iterable[Awaitable[object]]) -> float:
    """This process's CPU per call over ``calls`` awaited ``in_flight`` at a time."""
    started = time.process_time()
    await awaited_in_flight(work, in_flight)
    return (time.process_time() - started) / calls * 1e6
