"""Log lines: JSON in production, a request id on each request's lines, no secret ever, and
no storm of identical refusals."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
import structlog

from bolttickets.api.app import create_app
from bolttickets.config import Settings
from bolttickets.observability.logging import configure
from bolttickets.observability.throttled import ThrottledLog

SECRET = "unit-test-secret-0123456789abcdefghijkl"


@pytest.fixture
def json_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """The JSON log lines written so far, as dicts."""
    configure("INFO", json=True)

    def read() -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in capsys.readouterr().out.splitlines() if line]

    yield read
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


@asynccontextmanager
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    @asynccontextmanager
    async def unused(_: Any) -> AsyncIterator[None]:
        yield

    app = create_app(settings, unused)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http


def test_production_logs_are_json_unless_told_otherwise() -> None:
    assert Settings(jwt_secret=SECRET).json_logs
    assert not Settings(jwt_secret=SECRET, env="test").json_logs
    assert not Settings(jwt_secret=SECRET, log_json=False).json_logs
    assert Settings(jwt_secret=SECRET, env="test", log_json=True).json_logs


async def test_a_sane_request_id_is_echoed_and_any_other_replaced() -> None:
    async with client(Settings(jwt_secret=SECRET, env="test")) as http:
        given = await http.get("/health/live", headers={"X-Request-ID": "lb-7f3a:42"})
        assert given.headers["x-request-id"] == "lb-7f3a:42"
        for hostile in ('"} {"admin": true', "a" * 129, "two words"):
            replaced = await http.get("/health/live", headers={"X-Request-ID": hostile})
            assert len(replaced.headers["x-request-id"]) == 32
        first, second = [(await http.get("/health/live")).headers["x-request-id"] for _ in "ab"]
        assert first != second


async def test_a_request_s_log_lines_carry_its_id(json_lines: Any) -> None:
    async with client(Settings(jwt_secret=SECRET, env="test", log_json=True)) as http:
        response = await http.post("/api/bookings", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 401
    [line] = [line for line in json_lines() if line["event"] == "booking_refused"]
    assert line["request_id"] == "req-1"
    assert (line["outcome"], line["level"]) == ("invalid", "info")


def test_no_secret_reaches_a_log_line(json_lines: Any) -> None:
    log = structlog.get_logger("test")
    url = "postgresql+asyncpg://bolt:db-pass-123@127.0.0.1:5432/bolt"
    log.info("connecting", database_url=url, password="pw-123", jwt_secret="jwt-123")
    log.info("request", headers={"Authorization": "Bearer tok-123", "accept": "*/*"})
    log.info("proxied", detail="got Authorization: Basic dXNlcjpwdy0xMjM= from the client")
    try:
        raise ConnectionError(f"cannot reach {url}")
    except ConnectionError:
        log.exception("database_unreachable")
    written = "\n".join(orjson.dumps(line).decode() for line in json_lines())
    for secret in ("db-pass-123", "pw-123", "jwt-123", "tok-123", "dXNlcjpwdy0xMjM="):
        assert secret not in written
    assert "postgresql+asyncpg://bolt:***@127.0.0.1:5432/bolt" in written
    assert "database_unreachable" in written and "Traceback" in written


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lines:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append(("info", event, fields))


def test_a_refusal_storm_logs_one_line_per_kind_and_second_and_counts_the_rest() -> None:
    clock, lines = FakeClock(), Lines()
    throttled = ThrottledLog(lines, interval=1.0, clock=clock)
    logged = [throttled.log("info", "sold_out", "booking_refused") for _ in range(500)]
    assert logged.count(True) == 1
    assert throttled.log("info", "per_user_limit", "booking_refused")  # another kind
    clock.now += 0.999
    assert not throttled.log("info", "sold_out", "booking_refused")
    clock.now += 0.001
    assert throttled.log("info", "sold_out", "booking_refused", outcome="sold_out")
    assert [fields for _, _, fields in lines.lines] == [
        {"suppressed": 0},
        {"suppressed": 0},
        {"suppressed": 500, "outcome": "sold_out"},
    ]
