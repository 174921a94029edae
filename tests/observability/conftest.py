"""A small flash sale on two APIs and a worker, scraped by the real Prometheus that
``scripts/services`` runs, for the tests that read metrics back through PromQL.

The processes are written into Prometheus' file_sd directory with a ``run`` label of their
own, so runs on the same Prometheus (earlier ones, parallel checkouts) never mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REPO
from tests.stack.conftest import (  # noqa: F401 - api, stack, stack_env: the stack's fixtures
    Stack,
    api,
    running_stack,
    stack,
    stack_env,
)
from tests.support import Api, Server, Socket, eventually

TARGETS_DIR = REPO / "var" / "services" / "prometheus" / "targets"
SCRAPE_TIMEOUT = 60.0

# Tier A sells out (its extra requests are refused `sold_out`), tier B does not, so the
# business gauges show a ticket type with stock left as well as one without.
CAPACITIES = (30, 20)
REQUESTS = (40, 10)


@dataclass(frozen=True)
class TicketType:
    id: str
    capacity: int
    confirmed: int


@dataclass(frozen=True)
class ScrapedSale:
    """What the sale did, and where Prometheus holds what its processes reported."""

    prometheus_url: str
    run: str
    event_id: str
    ticket_types: tuple[TicketType, ...]
    accepted: int
    sold_out: int
    confirmed: int
    rejected: int
    logs: tuple[Path, ...]
    """The processes' output: their log lines (JSON) and whatever else they printed."""

    @property
    def selector(self) -> str:
        """The label matchers of this run's series, e.g. ``{run="…"}``."""
        return f'{{run="{self.run}"}}'

    async def query(self, promql: str) -> list[dict[str, Any]]:
        """The instant vector of ``promql`` (Prometheus' ``result`` list)."""
        return await prometheus_query(self.prometheus_url, promql)

    async def value(self, promql: str) -> float | None:
        """The one value of a query that aggregates to a single series, None if empty."""
        result = await self.query(promql)
        assert len(result) <= 1, f"{promql} gave {len(result)} series: {result}"
        return float(result[0]["value"][1]) if result else None


async def prometheus_query(url: str, promql: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.get("/api/v1/query", params={"query": promql})
    assert response.status_code == 200, f"{promql}: {response.text}"
    body = response.json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


@contextlib.contextmanager
def scraped(run: str, jobs: dict[str, Sequence[Server]]) -> Iterator[None]:
    """Prometheus scrapes these processes (file_sd, by job) while the block runs."""
    TARGETS_DIR.mkdir(parents=True, exist_ok=True)
    files = []
    for job, servers in jobs.items():
        targets = [{"targets": [s.metrics_address for s in servers], "labels": {"run": run}}]
        path = TARGETS_DIR / f"{job}-{run}.json"
        # Written whole then renamed: Prometheus never reads half a file.
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(targets))
        partial.rename(path)
        files.append(path)
    try:
        yield
    finally:
        for path in files:
            path.unlink(missing_ok=True)


async def wait_for_value(url: str, promql: str, expected: float) -> None:
    async def current() -> list[dict[str, Any]]:
        return await prometheus_query(url, promql)

    await eventually(
        current,
        lambda result: len(result) == 1 and float(result[0]["value"][1]) == expected,
        timeout=SCRAPE_TIMEOUT,
    )


async def run_sale(running: Stack) -> tuple[str, list[TicketType], Counter[int]]:
    """Buyers book through both APIs at once; returns the event, its ticket types with
    their confirmed counts, and how many answers had each status."""
    clients = [Api(server) for server in running.apis]
    try:
        event = await clients[0].create_event(CAPACITIES)
        tiers = [t["id"] for t in event["ticket_types"]]
        watcher = await Socket.open(running.apis[0])
        await watcher.send(type="subscribe", event_id=event["id"])
        await watcher.wait_for(lambda f: f["type"] == "snapshot")
        wanted = [tier for tier, n in zip(tiers, REQUESTS, strict=True) for _ in range(n)]
        tokens = await clients[0].buyers(len(wanted))
        responses = await asyncio.gather(
            *(
                clients[i % len(clients)].book(token, tier)
                for i, (token, tier) in enumerate(zip(tokens, wanted, strict=True))
            )
        )
        statuses = Counter(r.status_code for r in responses)
        accepted = [
            (token, r.json()["booking_id"])
            for token, r in zip(tokens, responses, strict=True)
            if r.status_code == 202
        ]
        final = await clients[0].final_statuses(accepted)
        await watcher.close()
        booked = [tier for tier, r in zip(wanted, responses, strict=True) if r.status_code == 202]
        confirmed_of = Counter(
            tier
            for tier, (_, booking_id) in zip(booked, accepted, strict=True)
            if final[booking_id] == "reserved"
        )
        types = [
            TicketType(tier, capacity, confirmed_of[tier])
            for tier, capacity in zip(tiers, CAPACITIES, strict=True)
        ]
        return event["id"], types, statuses
    finally:
        for client in clients:
            await client.close()


@pytest.fixture(scope="session")
async def scraped_sale(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str,
    redis_url: str,
    kafka_bootstrap: str,
    prometheus_url: str,
) -> AsyncIterator[ScrapedSale]:
    run = uuid.uuid4().hex
    async with running_stack(
        tmp_path_factory.mktemp("observed"),
        postgres_admin_url,
        redis_url,
        kafka_bootstrap,
        apis=2,
        workers=1,
        env={"BOLT_LOG_JSON": "true"},
    ) as running:
        with scraped(run, {"api": running.apis, "worker": running.workers}):
            # Scraped before the sale: rates and increases then see it start from zero.
            await wait_for_value(prometheus_url, f'count(up{{run="{run}"}} == 1)', 3)
            event_id, types, statuses = await run_sale(running)
            assert set(statuses) <= {202, 409}, statuses
            sale = ScrapedSale(
                prometheus_url=prometheus_url,
                run=run,
                event_id=event_id,
                ticket_types=tuple(types),
                accepted=statuses[202],
                sold_out=statuses[409],
                confirmed=sum(t.confirmed for t in types),
                rejected=statuses[202] - sum(t.confirmed for t in types),
                logs=tuple(s.log_path for s in [*running.apis, *running.workers]),
            )
            selector = sale.selector
            for promql, expected in (
                (
                    f'sum(bolttickets_booking_admissions_total{{run="{run}",outcome="accepted"}})',
                    sale.accepted,
                ),
                (
                    f'sum(bolttickets_booking_admissions_total{{run="{run}",outcome="sold_out"}})',
                    sale.sold_out,
                ),
                (f"sum(bolttickets_bookings_decided_total{selector})", sale.accepted),
            ):
                await wait_for_value(prometheus_url, promql, expected)
            yield sale
