"""The Grafana dashboards: well formed, every query valid PromQL, and every query answered
with data by a Prometheus that scraped a sale on the real stack and its stores' exporters."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.observability import exporters, grafana
from tests.observability.conftest import scraped, wait_for_value
from tests.observability.promql import check_rules, recording_rules

MIN_SCHEMA_VERSION = 39  # Grafana 10.4


def test_there_are_the_four_dashboards() -> None:
    assert [path.name for path in grafana.DASHBOARDS] == [
        "api.json",
        "postgres-redis.json",
        "sale-overview.json",
        "worker-kafka.json",
    ]


def test_uids_and_titles_are_unique() -> None:
    boards = [grafana.load(path) for path in grafana.DASHBOARDS]
    for key in ("uid", "title"):
        repeated = [v for v, n in Counter(board[key] for board in boards).items() if n > 1]
        assert not repeated, f"{key}s used twice: {repeated}"
    for path, board in zip(grafana.DASHBOARDS, boards, strict=True):
        assert board["schemaVersion"] >= MIN_SCHEMA_VERSION, path.name
        assert board.get("id") is None, f"{path.name}: a provisioned dashboard has no id"


@pytest.mark.parametrize("path", grafana.DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_queries_the_datasource_variable(path: Path) -> None:
    board = grafana.load(path)
    [datasource] = [v for v in grafana.variables(board) if v["type"] == "datasource"]
    assert (datasource["name"], datasource["query"]) == ("datasource", "prometheus")
    ids = [panel["id"] for panel in grafana.panels(board)]
    assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
    for panel in grafana.panels(board):
        where = f"{path.name} / {panel['title']}"
        assert panel.get("datasource") == grafana.DATASOURCE, where
        assert panel.get("targets"), f"{where}: no query"
        for target in panel["targets"]:
            assert target.get("datasource", grafana.DATASOURCE) == grafana.DATASOURCE, where
            assert target.get("expr", "").strip(), f"{where} / {target.get('refId')}: empty"
    for variable in grafana.query_variables(board):
        assert variable["datasource"] == grafana.DATASOURCE, variable["name"]


def test_every_query_parses(tmp_path: Path) -> None:
    """promtool parses each query, variables replaced, as the expression of a rule."""
    placeholder = grafana.regex_escaped("a{b}.c")
    queries = [
        query
        for path in grafana.DASHBOARDS
        for query in grafana.queries(
            path, {v["name"]: placeholder for v in grafana.query_variables(grafana.load(path))}
        )
    ]
    rule_file = tmp_path / "dashboard-queries.yml"
    rule_file.write_text(yaml.safe_dump(recording_rules((q.where, q.expr) for q in queries)))
    check_rules(rule_file)


@pytest.fixture(scope="module")
async def scraped_stores(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_admin_url: str,
    redis_url: str,
    prometheus_url: str,
) -> AsyncIterator[str]:
    """The test PostgreSQL and Redis seen through their exporters, scraped as the jobs
    `postgres` and `redis` under a run label of their own; yields that label's selector."""
    run = uuid.uuid4().hex
    logs = tmp_path_factory.mktemp("exporters")
    env = {"PATH": os.environ["PATH"]}
    pg_env = {**env, "DATA_SOURCE_NAME": exporters.postgres_dsn(postgres_admin_url)}
    async with (
        exporters.running(exporters.postgres_exporter(), [], pg_env, logs / "pg.log") as pg,
        exporters.running(
            exporters.redis_exporter(), [f"--redis.addr={redis_url}"], env, logs / "redis.log"
        ) as redis,
    ):
        with scraped(run, {"postgres": [pg], "redis": [redis]}):
            # Two good scrapes of each: a rate needs two samples.
            await wait_for_value(
                prometheus_url, f'count(sum_over_time(up{{run="{run}"}}[1m]) >= 2)', 2
            )
            yield f'{{run="{run}"}}'


async def label_value(client: httpx.AsyncClient, variable: dict[str, Any], selector: str) -> str:
    """A value the variable offers among this run's series, as Grafana writes it into a
    query."""
    metric, label = grafana.label_values_source(variable)
    response = await client.get(
        f"/api/v1/label/{label}/values", params={"match[]": metric + selector}
    )
    values = response.json()["data"]
    assert values, f"variable {variable['name']}: no {label} of {metric}{selector}"
    return grafana.regex_escaped(sorted(values)[0])


async def has_data(client: httpx.AsyncClient, query: grafana.Query) -> bool:
    response = await client.get("/api/v1/query", params={"query": query.expr})
    assert response.status_code == 200, f"{query.where}: {response.text}"
    return bool(response.json()["data"]["result"])


async def test_every_query_returns_data(scraped_sale: Any, scraped_stores: str) -> None:
    """No panel is empty after a sale: a misspelt metric, label or variable shows up here."""
    async with httpx.AsyncClient(base_url=scraped_sale.prometheus_url, timeout=30) as client:
        queries = []
        for path in grafana.DASHBOARDS:
            run = scraped_stores if path.name == "postgres-redis.json" else scraped_sale.selector
            chosen = {
                variable["name"]: await label_value(client, variable, run)
                for variable in grafana.query_variables(grafana.load(path))
            }
            queries += grafana.queries(path, chosen)
        answered = await asyncio.gather(*(has_data(client, query) for query in queries))
    empty = [f"{q.where}: {q.expr}" for q, ok in zip(queries, answered, strict=True) if not ok]
    assert not empty, "queries without data:\n" + "\n".join(empty)
