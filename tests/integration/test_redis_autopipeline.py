"""The auto-pipeline on a real Redis: commands of one tick travel together, yet each caller
gets its own reply, its own error, and a script Redis has forgotten still runs."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from uuid import uuid4

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from bolttickets.adapters.redis_autopipeline import AutoPipeline

ECHO = "return ARGV[1]"
ECHO_SHA = hashlib.sha1(ECHO.encode()).hexdigest()


@pytest.fixture
def pipelines(redis_client: aioredis.Redis, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of commands in each pipeline the client sends."""
    sent: list[int] = []
    make = redis_client.pipeline

    def counted(*args: Any, **kwargs: Any) -> Any:
        pipe = make(*args, **kwargs)
        execute = pipe.execute

        async def execute_counted(*a: Any, **kw: Any) -> Any:
            sent.append(len(pipe.command_stack))
            return await execute(*a, **kw)

        pipe.execute = execute_counted  # type: ignore[method-assign]
        return pipe

    monkeypatch.setattr(redis_client, "pipeline", counted)
    return sent


def key() -> str:
    return f"bolt-test-autopipeline:{uuid4().hex}"


async def test_a_failing_command_fails_only_its_caller(
    redis_client: aioredis.Redis, pipelines: list[int]
) -> None:
    auto = AutoPipeline(redis_client)
    text, number = key(), key()
    await redis_client.set(text, "not a number")
    await redis_client.set(number, "41")

    replies = await asyncio.gather(
        auto.execute("INCR", number),
        auto.execute("INCR", text),  # ERR value is not an integer
        auto.evalsha(ECHO_SHA, ECHO, [], ["echoed"]),
        auto.execute("EVAL", "return redis.error_reply('refused')", 0),
        auto.execute("GET", number),
        return_exceptions=True,
    )

    assert pipelines[0] == 5  # one tick, one pipeline
    assert replies[0] == 42
    assert isinstance(replies[1], ResponseError) and "not an integer" in str(replies[1])
    assert replies[2] == b"echoed"
    assert isinstance(replies[3], ResponseError) and "refused" in str(replies[3])
    assert replies[4] == b"42"
    await redis_client.delete(text, number)


async def test_a_script_redis_forgot_runs_from_its_text(redis_client: aioredis.Redis) -> None:
    auto = AutoPipeline(redis_client)
    assert await redis_client.script_load(ECHO) == ECHO_SHA
    assert await auto.evalsha(ECHO_SHA, ECHO, [], ["before"]) == b"before"

    await redis_client.script_flush()  # as a Redis restart does
    assert await redis_client.script_exists(ECHO_SHA) == [False]

    # Several callers in one pipeline all meet NOSCRIPT, and each falls back on its own.
    replies = await asyncio.gather(
        *(auto.evalsha(ECHO_SHA, ECHO, [], [f"after-{i}"]) for i in range(3))
    )
    assert replies == [b"after-0", b"after-1", b"after-2"]
    # EVAL cached the script again: the next EVALSHA needs no fallback.
    assert await redis_client.script_exists(ECHO_SHA) == [True]
