"""``python -m bench table``: the one table of a ``make bench`` run, read back from the
results its benchmarks wrote (each marks its rows ``headline``): every target beside its
figure, PASS/MISS and by how much, each rate as a ratio to the stand-alone ceiling of its
own run, with the calibration of the first result at the start and of the last at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from bench import options

# The benchmarks whose rows the table must have, by their results' name (``result_stem``).
EXPECTED = {"sale-stack": "python -m bench sale", "fanout-stack": "python -m bench fanout"}


@dataclass(frozen=True)
class Result:
    kind: str
    """The result's name without its time: ``sale-stack-traced``, ``fanout-stack``…"""
    stamp: str
    document: dict[str, Any]

    @property
    def file_name(self) -> str:
        return f"{self.kind}-{self.stamp}.json"


def table_command(
    since: Annotated[
        str | None,
        typer.Option(help="Only results written at or after this UTC time (20261207T171500Z)."),
    ] = None,
    out_dir: options.OutDir = options.RESULTS,
) -> None:
    """Print the run's table from the newest result of each benchmark in ``--out-dir``."""
    from bench import report

    console = report.console()
    results = newest(out_dir, since)
    if not results:
        console.print(f"[red]No results in {out_dir}" + (f" since {since}" if since else ""))
        raise typer.Exit(2)
    sources, figures = [], []
    for result in results:
        for data in result.document["figures"]:
            if data.get("headline"):
                sources.append(result.kind)
                figures.append(report.Figure.from_json(data))
    first, last = results[0].document["calibration"], results[-1].document["calibration"]
    console.print("results: " + ", ".join(r.file_name for r in results))
    console.print(f"calibration at start: {report.calibration_text(first['start'])}")
    console.print(report.table("make bench — the targets of issue 14", figures, sources))
    console.print(f"calibration at end:   {report.calibration_text(last['end'])}")
    for kind, command in EXPECTED.items():
        if all(result.kind != kind for result in results):
            console.print(f"[yellow]not in this run:[/yellow] {kind} ({command})")
    missed = report.misses(figures)
    console.print(
        f"targets met: {sum(len(f.targets) for f in figures) - len(missed)}, missed: {len(missed)}"
    )


def newest(out_dir: Path, since: str | None) -> list[Result]:
    """The newest result of each benchmark (at or after ``since``), oldest first."""
    found: dict[str, Result] = {}
    for path in out_dir.glob("*.json"):
        kind, _, stamp = path.stem.rpartition("-")
        if not kind or (since is not None and stamp < since):
            continue
        document = json.loads(path.read_text())
        if "figures" not in document or "calibration" not in document:
            continue  # not a benchmark's result (a profile, say)
        if kind not in found or found[kind].stamp < stamp:
            found[kind] = Result(kind, stamp, document)
    return sorted(found.values(), key=lambda result: result.stamp)
