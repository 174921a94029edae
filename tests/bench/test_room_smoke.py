"""A small waiting-room run through the real command: one place per buyer, the sale's
invariants, every subscriber hears every timed tick and the sell-out, and the result is
written. Timings on a shared machine prove nothing, so none is asserted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from bench.__main__ import app
from typer.testing import CliRunner

from bolttickets.adapters.redis_stock import connect_redis


def test_every_waiting_subscriber_is_told_sold_out(
    postgres_admin_url: str, redis_url: str, kafka_bootstrap: str, tmp_path: Path
) -> None:
    small = ["--buyers", "2000", "--http-joins", "200", "--subscribers", "200"]
    small += ["--processes", "2", "--wave", "50", "--ticks", "3", "--capacity", "20"]
    services = ["--postgres-admin-url", postgres_admin_url, "--redis-url", redis_url]
    services += ["--kafka-bootstrap", kafka_bootstrap]
    outcome = CliRunner().invoke(app, ["room", *small, *services, "--out-dir", str(tmp_path)])

    assert outcome.exit_code == 0, outcome.output
    [written] = tmp_path.glob("room-stack-*.json")
    result = orjson.loads(written.read_bytes())
    assert result["invariants"] == {"passed": True, "failures": []}
    assert result["joins"]["through_service"] == 1800
    assert result["http_joins"]["statuses"] == {"200": 200}
    assert result["connected"] == 200
    assert result["failed"] == result["dropped"] == 0
    assert [tick["count"] for tick in result["per_tick"]] == [200, 200, 200]
    assert result["sold_out_delivered"] == 200
    # used_memory moves with everything else Redis holds: only the room's own key is exact.
    [places] = [v for k, v in result["room_key_bytes"].items() if k.endswith(":places")]
    assert places > 0
    assert "joins/s (service)" in outcome.output and "calibration at end" in outcome.output
    assert asyncio.run(room_keys(redis_url, result["event_id"])) == []


async def room_keys(redis_url: str, event_id: str) -> list[bytes]:
    """What the run left of its room in Redis (which runs with ``noeviction``)."""
    client = await connect_redis(redis_url)
    try:
        return [key async for key in client.scan_iter(match=f"bolt:room:{{{event_id}}}:*")]
    finally:
        await client.aclose()
