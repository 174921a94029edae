"""The chaos run's clients against fake APIs: every server error they get is a violation.

During a fault the documented answer is a 503 with Retry-After; a client retries it, and
retries anything else too, as a real one would. But a 500 (or any other 5xx) is a bug
whichever request got it, so the run counts it, shows it, and fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from tests.chaos.run import Chaos, Report
from tests.stack.conftest import Stack
from tests.support import Server, eventually

Handler = Callable[[httpx.Request], httpx.Response]


def chaos_on(tmp_path: Path, answer: Handler) -> Chaos:
    """A run whose two APIs answer every HTTP request with ``answer``."""
    servers = [Server(tmp_path, name=f"api-{i}") for i in range(2)]
    stack = Stack(tmp_path, {}, "", "", "", "", "", apis=servers)
    chaos = Chaos(stack, seed=1, faults=1)
    for client in chaos.clients:
        client.http = httpx.AsyncClient(
            base_url=client.server.url, transport=httpx.MockTransport(answer)
        )
    chaos.ticket_type_id = "tt"
    return chaos


def answers(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving ``responses`` in turn, then the last one again; and what it got."""
    asked: list[httpx.Request] = []
    queue: Iterator[httpx.Response] = iter(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return next(queue, responses[-1])

    return answer, asked


RETRY_LATER = httpx.Response(503, headers={"Retry-After": "0"}, json={"type": "unavailable"})
NO_RETRY_AFTER = httpx.Response(503, json={"type": "unavailable"})
BROKEN = httpx.Response(500, text="Internal Server Error")


async def test_a_booking_answered_500_on_the_way_is_a_violation(tmp_path: Path) -> None:
    accepted = httpx.Response(202, json={"booking_id": "b-1", "status": "pending"})
    answer, _ = answers(RETRY_LATER, BROKEN, NO_RETRY_AFTER, accepted)
    chaos = chaos_on(tmp_path, answer)

    assert await chaos.buy("token", "key") == "b-1"  # retried to the end, as a client would

    found = [(e.request, e.status) for e in chaos.outcome.server_errors]
    assert found == [("POST", 500), ("POST", 503)]


async def test_a_booking_read_answered_500_is_a_violation(tmp_path: Path) -> None:
    pending = httpx.Response(200, json={"id": "b-1", "status": "pending"})
    answer, asked = answers(RETRY_LATER, BROKEN, pending)
    chaos = chaos_on(tmp_path, answer)
    chaos.outcome.accepted["b-1"] = ("token", "key")
    stop = asyncio.Event()
    poller = asyncio.create_task(chaos.poll(stop))

    async def reads() -> int:
        return len(asked)

    await eventually(reads, lambda n: n >= 3, timeout=30)
    stop.set()
    await poller

    found = [(e.request, e.status) for e in chaos.outcome.server_errors]
    assert found == [("GET", 500)]
    assert "500 Internal Server Error" in str(chaos.outcome.server_errors[0])


async def test_a_realtime_handshake_answered_500_is_a_violation(tmp_path: Path) -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops")
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(refuse, "127.0.0.1", 0)
    server = Server(tmp_path, port=listener.sockets[0].getsockname()[1], name="api-0")
    chaos = chaos_on(tmp_path, answers(BROKEN)[0])
    stop = asyncio.Event()
    async with listener:
        watcher = asyncio.create_task(chaos.watch("token", server, stop))

        async def errors() -> int:
            return len(chaos.outcome.server_errors)

        await eventually(errors, lambda n: n >= 1, timeout=30)
        stop.set()
        await watcher

    [error] = chaos.outcome.server_errors[:1]
    assert (error.request, error.server, error.status, error.body) == (
        "WebSocket",
        "api-0",
        500,
        "oops",
    )


async def test_the_report_names_each_server_error_and_fails(tmp_path: Path) -> None:
    answer, _ = answers(BROKEN)
    chaos = chaos_on(tmp_path, answer)
    chaos.outcome.accepted["b-1"] = ("token", "key")
    await chaos.read(chaos.clients[1], "token", "b-1")

    report = Report(
        seed=1, faults=["restart-postgres:postgres"], accepted=1, capacity=1, confirmed=1,
        lost=0, duplicated=0, oversold=0, per_user_over_limit=0, told_confirmed_unknown=0,
        redis_stock_wrong=0, converge_seconds=1.0, peak_in_flight=64, unanswered=0,
        server_errors=chaos.outcome.server_errors,
    )  # fmt: skip

    assert report.broken() == ["5xx answers (GET): 1"]
    rows = [line.split() for line in report.table().splitlines()]
    assert ["5xx", "answers", "(GET)", "1"] in rows
    assert ["5xx", "answers", "(POST)", "0"] in rows
    assert "api-1 GET 500 Internal Server Error" in report.failure(*report.broken())
