"""The Grafana dashboards of deploy/observability as the tests read them: their panels, and
each panel's queries with Grafana's variables replaced by concrete values."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import REPO

DASHBOARDS = sorted((REPO / "deploy" / "observability" / "grafana" / "dashboards").glob("*.json"))
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# Grafana's own variables, at what they are for a 30-minute view of a 15 s scrape.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "30m"}

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
_LABEL_VALUES = re.compile(r"^label_values\(\s*(\w+)\s*,\s*(\w+)\s*\)$")
# What Grafana's Prometheus data source escapes in a multi-value variable's value.
_REGEX_SPECIAL = re.compile(r"[$^*{}\[\]'+?.()|\\]")


@dataclass(frozen=True)
class Query:
    dashboard: str
    panel: str
    ref_id: str
    expr: str

    @property
    def where(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref_id}"


def load(path: Path) -> dict[str, Any]:
    board: dict[str, Any] = json.loads(path.read_text())
    return board


def panels(board: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel that shows data, including those inside (collapsed) rows."""
    for panel in board.get("panels", []):
        if panel.get("type") == "row":
            yield from panels(panel)
        else:
            yield panel


def variables(board: Mapping[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = board.get("templating", {}).get("list", [])
    return found


def query_variables(board: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The variables whose values come from Prometheus (all but the data source)."""
    return [variable for variable in variables(board) if variable["type"] == "query"]


def label_values_source(variable: Mapping[str, Any]) -> tuple[str, str]:
    """(metric, label) of a query variable defined as ``label_values(metric, label)``."""
    query = variable.get("query")
    text = query.get("query", "") if isinstance(query, dict) else str(query)
    match = _LABEL_VALUES.match(text.strip())
    if match is None:
        raise AssertionError(f"variable {variable['name']}: not label_values(metric, label)")
    return match[1], match[2]


def regex_escaped(value: str) -> str:
    """A label value as Grafana writes a multi-value variable into a regex matcher."""
    return _REGEX_SPECIAL.sub(lambda m: "\\\\" + m[0], value)


def queries(path: Path, chosen: Mapping[str, str]) -> Iterator[Query]:
    """Every target's expression of the dashboard, its query variables replaced by their
    ``chosen`` values and Grafana's own variables by BUILTINS."""
    board = load(path)
    values = {**BUILTINS, **chosen}

    def substitute(match: re.Match[str]) -> str:
        name = match[1] or match[2] or match[3]
        if name not in values:
            raise AssertionError(f"{path.name}: ${name} is not a variable of the dashboard")
        return values[name]

    for panel in panels(board):
        for target in panel.get("targets", []):
            expr = _VARIABLE.sub(substitute, target.get("expr", ""))
            yield Query(path.name, panel["title"], target.get("refId", "?"), expr)
