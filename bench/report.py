"""Figures, their targets and baselines, as a Rich table, a JSON file and a PNG chart.

Generic: a benchmark builds ``Figure`` objects and hands them over with its raw data.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MIB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    """A bound a figure (or its ratio to a baseline) must meet."""

    label: str
    bound: float
    at_least: bool
    value: float

    @property
    def passed(self) -> bool:
        return self.value >= self.bound if self.at_least else self.value <= self.bound

    @property
    def margin(self) -> str:
        """How far from the bound: +50% is half again as good as needed, -75% a quarter of
        it (for a ceiling: a value four times the bound)."""
        if self.bound <= 0 or self.value <= 0:
            return ""
        achieved = self.value / self.bound if self.at_least else self.bound / self.value
        return f"{achieved - 1:+.0%}"

    def verdict(self) -> str:
        word = "[green]PASS[/green]" if self.passed else "[red]MISS[/red]"
        return f"{word} {self.margin} ({self.label})"


def at_least(bound: float, value: float | None, label: str) -> list[Target]:
    """The target as a list, empty when there is no value to judge (nothing measured)."""
    return [] if value is None else [Target(label, bound, True, value)]


def at_most(bound: float, value: float | None, label: str) -> list[Target]:
    return [] if value is None else [Target(label, bound, False, value)]


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    ratios: dict[str, float] = field(default_factory=dict)
    """The figure divided by each baseline's, measured in the same run."""
    targets: list[Target] = field(default_factory=list)
    note: str = ""
    headline: bool = False
    """A row of the run's one table (``python -m bench table``): a target or the ceiling."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Figure:
        """A figure as ``write_json`` stored it."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known | {"targets": [Target(**t) for t in data.get("targets", [])]})

    def formatted(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit == "MiB":
            return f"{self.value:,.0f} MiB"
        if abs(self.value) >= 100:
            return f"{self.value:,.0f} {self.unit}"
        return f"{self.value:,.1f} {self.unit}"


def console() -> Console:
    """The benchmarks' console: in a log or a pipe, 180 columns, not 80 that fold the tables."""
    found = Console(soft_wrap=True)
    if not found.is_terminal:
        found.width = 180
    return found


def table(title: str, figures: Sequence[Figure], sources: Sequence[str] = ()) -> Table:
    """One row per figure; ``sources``, when given, names each one's bench in a first column."""
    grid = Table(title=title, title_justify="left", show_lines=False)
    if sources:
        grid.add_column("bench", style="dim")
    grid.add_column("figure", no_wrap=True)
    grid.add_column("value", justify="right", no_wrap=True)
    grid.add_column("vs baseline (same run)")
    grid.add_column("target")
    grid.add_column("how", style="dim")
    for index, figure in enumerate(figures):
        ratios = ", ".join(f"{r:.2f}x {name}" for name, r in figure.ratios.items())
        targets = "; ".join(t.verdict() for t in figure.targets)
        source = [sources[index]] if sources else []
        grid.add_row(*source, figure.name, figure.formatted(), ratios, targets, figure.note)
    return grid


def misses(figures: Sequence[Figure]) -> list[str]:
    return [f"{f.name}: {t.label}" for f in figures for t in f.targets if not t.passed]


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or not baseline:
        return None
    return value / baseline


def with_ratios(figure: Figure, baselines: Mapping[str, float | None]) -> Figure:
    for name, baseline in baselines.items():
        r = ratio(figure.value, baseline)
        if r is not None:
            figure.ratios[name] = r
    return figure


def cpu_calibration(seconds: float = 1.0) -> float:
    """MB/s of SHA-256 on this process's core: a throttled or busy machine shows here first."""
    block = b"\0" * 65536
    done = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(16):
            hashlib.sha256(block).digest()
        done += 16 * len(block)
    return done / elapsed / 1e6


def calibration_text(found: Mapping[str, float]) -> str:
    parts = [f"SHA-256 {found['cpu_sha256_mb_s']:,.0f} MB/s"]
    if "redis_ping_per_s" in found:
        parts.append(f"redis PING {found['redis_ping_per_s']:,.0f}/s")
    return ", ".join(parts)


def result_stem(benchmark: str, mode: str) -> str:
    return f"{benchmark}-{mode}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def write_json(out_dir: Path, stem: str, figures: Sequence[Figure], data: Any) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    document = {"figures": [asdict(f) | {"passed": not misses([f])} for f in figures], **data}
    path.write_text(json.dumps(document, indent=2, default=str))
    return path


Series = Mapping[str, Sequence[tuple[float, float]]]


def write_chart(path: Path, title: str, panels: Sequence[tuple[str, Series]]) -> Path | None:
    """One panel per (y label, {line label: [(t, y)]}), time on the shared x axis. Returns
    None without matplotlib (the ``bench`` extra), so the figures never depend on it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, grid = plt.subplots(
        len(panels), 1, figsize=(10, 3.2 * len(panels)), sharex=True, squeeze=False
    )
    axes = grid[:, 0]
    for ax, (ylabel, series) in zip(axes, panels, strict=True):
        for label, points in series.items():
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, label=label, marker=".", linewidth=1)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel("seconds since the phase started")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def print_failures(console: Console, failures: Sequence[str]) -> None:
    for failure in failures:
        console.print(f"[bold red]INVARIANT BROKEN:[/bold red] [red]{failure}[/red]")
