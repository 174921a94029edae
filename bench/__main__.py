"""``python -m bench``: each benchmark's command lives with its code."""

from __future__ import annotations

import typer

from bench.budget import budget_command
from bench.capacity import capacity_command
from bench.fanout import fanout_command
from bench.ratelimit import ratelimit_command
from bench.refusals import refusals_command
from bench.reserve import reserve_command
from bench.room import room_command
from bench.sale import sale_command
from bench.servers import servers_command
from bench.summary import table_command

app = typer.Typer(help="Flash-sale, realtime and waiting-room benchmarks.", no_args_is_help=True)
app.command("sale")(sale_command)
app.command("fanout")(fanout_command)
app.command("refusals")(refusals_command)
app.command("ratelimit")(ratelimit_command)
app.command("room")(room_command)
app.command("servers")(servers_command)
app.command("table")(table_command)
app.command("reserve")(reserve_command)
app.command("capacity")(capacity_command)
app.command("budget")(budget_command)

if __name__ == "__main__":
    app()
