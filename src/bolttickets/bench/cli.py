"""``bolttickets bench``: each benchmark's command lives with its code."""

from __future__ import annotations

import typer

from bolttickets.bench.fanout import fanout_command
from bolttickets.bench.sale import sale_command

bench_app = typer.Typer(help="Flash-sale and realtime benchmarks.", no_args_is_help=True)
bench_app.command("sale")(sale_command)
bench_app.command("fanout")(fanout_command)
