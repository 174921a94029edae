"""PromQL as the observability tests need it: promtool, and the metrics an expression reads."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from tests.support import tool

# The functions, aggregations and keywords of PromQL that look like a metric name.
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
     "bool", "offset", "inf", "nan"}
)  # fmt: skip
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """The metric (and recorded series) names ``expr`` selects: what is left of it once its
    strings, label matchers, label lists, ranges and function calls are taken away."""
    bare = _STRINGS.sub('""', expr)
    for pattern in (_LABEL_LISTS, _MATCHERS, _RANGES):
        bare = pattern.sub(" ", bare)
    return {name for name in _NAME.findall(bare) if name.lower() not in _KEYWORDS}


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run promtool, which comes with Debian's prometheus package (scripts/services)."""
    path = tool("promtool", "install Debian's prometheus package with `scripts/services up`")
    return subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=120)


def check_rules(rule_file: Path) -> None:
    done = promtool("check", "rules", rule_file)
    assert done.returncode == 0, f"promtool check rules {rule_file}:\n{done.stdout}{done.stderr}"


def recording_rules(named_exprs: Iterable[tuple[str, str]]) -> dict[str, object]:
    """A rule file that records each expression, one group per name: `promtool check rules`
    then names the group of any expression that does not parse."""
    return {
        "groups": [
            {"name": name, "rules": [{"record": "dashboard_query", "expr": expr}]}
            for name, expr in named_exprs
        ]
    }
