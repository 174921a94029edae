"""``python -m bench servers``: ASGI servers side by side, on a stand-alone no-op and on
the booking endpoint.

Each server serves the same app in one process on the API's core, driven by the sale's load
generator on the other core: the no-op is a bare Starlette app (read the body, answer
pre-encoded bytes); the booking is the application itself on the full stack (``--booking``,
needs ``scripts/services up``), with a ticket type that never sells out.
The servers take turns, round after round, so drift in the machine's load shows as spread
between rounds rather than as a difference between servers; every rate is reported as a
ratio to uvicorn's mean in the same run. Granian and Hypercorn are not dependencies of the
project: a server that is not installed is skipped (``pip install granian hypercorn``).

Run uvicorn's as ``python -m bench.servers bench.servers:app|bench.servers:booking_app PORT``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench import options
from bench.database import buyer_tokens, insert_buyers
from bench.loadgen import Spec
from bench.modes import Mode
from bench.processes import Cores, Process, clean_environment, free_port, wait_until_ready
from bench.system import Services, run_loadgen, started

_NOOP = "/noop"
_READY = "/ready"
_NIL = "00000000-0000-0000-0000-000000000000"
_ACCEPTED = orjson.dumps({"booking_id": _NIL, "status": "pending"})
SERVERS = ("uvicorn", "granian", "hypercorn")


async def _noop(request: Request) -> Response:
    await request.body()
    return Response(_ACCEPTED, 202, media_type="application/json")


async def _ready(request: Request) -> Response:
    return Response(status_code=200)


app = Starlette(routes=[Route(_NOOP, _noop, methods=["POST"]), Route(_READY, _ready)])


def booking_app() -> Starlette:
    """The application as ``bolttickets serve`` builds it, from the BOLT_* environment."""
    from bolttickets import bootstrap
    from bolttickets.config import Settings

    return bootstrap.api_app(Settings())


@dataclass(frozen=True)
class Target:
    """What the servers serve, and where the load goes."""

    name: str
    app: str
    """``module:attribute``; a factory when it ends in ``_app``."""
    path: str
    ready: str
    body: str
    tokens_file: Path
    env: dict[str, str]


def _argv(server: str, target: Target, port: int) -> list[str] | None:
    """How ``server`` serves ``target`` in one process on ``port``; None when not installed."""
    factory = target.app.endswith("_app")
    if server == "uvicorn":
        return [sys.executable, "-m", "bench.servers", target.app, str(port)]
    if importlib.util.find_spec(server) is None:
        return None
    if server == "granian":
        return [
            *(sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop"),
            *("--workers", "1", "--runtime-mode", "st", "--no-access-log"),
            *("--log-level", "warning", "--host", "127.0.0.1", "--port", str(port)),
            *(["--factory"] if factory else []),
            target.app,
        ]
    return [
        *(sys.executable, "-m", "hypercorn", "--worker-class", "uvloop", "--workers", "1"),
        *("--log-level", "warning", "--bind", f"127.0.0.1:{port}"),
        target.app + ("()" if factory else ""),
    ]


async def _measure(
    server: str, target: Target, cores: Cores, workdir: Path, seconds: float, connections: int
) -> float:
    port = free_port()
    argv = _argv(server, target, port)
    assert argv is not None
    name = f"{target.name}-{server}"
    process = Process(name, argv, clean_environment(**target.env), workdir, cores.server)
    process.start()
    try:
        await wait_until_ready(process, f"http://127.0.0.1:{port}{target.ready}")
        spec = Spec(
            port, target.path, target.body, str(target.tokens_file),
            f"{name}-{time.monotonic_ns()}", connections, duration=seconds,
        )  # fmt: skip
        result = await run_loadgen(spec, workdir / name, cores.client, f"against {server}")
        process.check_alive()
        if result["connections_lost"] or set(result["statuses"]) != {"202"}:
            raise RuntimeError(f"{name} answered {result['statuses']}: {process.log_tail()}")
        return float(result["rate_per_s"])
    finally:
        process.stop()


async def _compare(
    target: Target, servers: list[str], rounds: int, seconds: float, connections: int,
    cores: Cores, workdir: Path, console: Console,
) -> dict[str, list[float]]:  # fmt: skip
    """Each server in turn, ``rounds`` times; a table of the rates and their ratio to
    uvicorn's mean."""
    rates: dict[str, list[float]] = {server: [] for server in servers}
    for round_ in range(rounds):
        for server in servers:
            rate = await _measure(server, target, cores, workdir, seconds, connections)
            rates[server].append(rate)
            console.print(f"round {round_ + 1}: {target.name} on {server}: {rate:,.0f} req/s")
    baseline = statistics.mean(rates["uvicorn"])
    title = f"{target.name}: {connections} connections, {rounds} rounds of {seconds:g} s"
    table = Table(title=title)
    for column in ("server", "mean req/s", "rounds", "ratio to uvicorn"):
        table.add_column(column, justify="left" if column == "server" else "right")
    for server, values in rates.items():
        mean = statistics.mean(values)
        shown = ", ".join(f"{v:,.0f}" for v in values)
        table.add_row(server, f"{mean:,.0f}", shown, f"{mean / baseline:.2f}")
    console.print(table)
    return rates


async def _run(
    rounds: int, seconds: float, connections: int, booking: bool, services: Services,
    console: Console,
) -> dict[str, dict[str, list[float]]]:  # fmt: skip
    """The rates of each server, per target."""
    cores = Cores.split()
    console.print(f"[bold]ASGI servers[/bold]: {cores.describe()}")
    workdir = Path(tempfile.mkdtemp(prefix="bolt-bench-servers-"))
    tokens = workdir / "noop-tokens.txt"
    tokens.write_text("bench-servers\n")
    body = orjson.dumps({"ticket_type_id": _NIL, "quantity": 1}).decode()
    noop = Target("stand-alone no-op", "bench.servers:app", _NOOP, _READY, body, tokens, {})
    installed = [server for server in SERVERS if _argv(server, noop, 0) is not None]
    for missing in set(SERVERS) - set(installed):
        console.print(f"[dim]{missing}: not installed, skipped[/dim]")
    results = {
        "noop": await _compare(
            noop, installed, rounds, seconds, connections, cores, workdir, console
        )
    }
    if not booking:
        return results
    async with started(Mode.STACK, services, cores, workdir, workers=1) as system:
        ids = await insert_buyers(system.database_url, BOOKING_BUYERS)
        tokens = workdir / "buyers.txt"
        tokens.write_text("\n".join(buyer_tokens(system.secret, ids)))
        admin = await system.admin_token()
        # Never sold out within a run: every answer is an accepted booking.
        tt = await system.create_ticket_type(admin, "servers bench", 10_000_000)
        body = orjson.dumps({"ticket_type_id": tt.id, "quantity": 1}).decode()
        target = Target(
            "booking", "bench.servers:booking_app", "/api/bookings", "/health/ready", body,
            tokens, system.env,
        )  # fmt: skip
        # Hypercorn is far behind on the no-op already: not worth the booking's minutes.
        servers = [server for server in installed if server != "hypercorn"]
        results["booking"] = await _compare(
            target, servers, rounds, seconds, connections, cores, workdir, console
        )
    shutil.rmtree(workdir, ignore_errors=True)
    return results


BOOKING_BUYERS = 20_000


def servers_command(
    rounds: Annotated[int, typer.Option(min=1, help="Turns each server takes.")] = 3,
    seconds: Annotated[float, typer.Option(help="Length of each turn.")] = 5.0,
    connections: Annotated[int, typer.Option(help="Concurrent keep-alive connections.")] = 64,
    booking: Annotated[
        bool, typer.Option("--booking", help="The booking endpoint too (full stack).")
    ] = False,
    out_dir: options.OutDir = options.RESULTS,
    postgres_admin_url: options.PostgresAdminUrl = options.POSTGRES_ADMIN_URL,
    redis_url: options.RedisUrl = options.REDIS_URL,
    kafka_bootstrap: options.KafkaBootstrap = options.KAFKA_BOOTSTRAP,
) -> None:
    """ASGI servers (uvicorn, granian, hypercorn) on the same app, as ratios to uvicorn."""
    services = Services(postgres_admin_url, redis_url, kafka_bootstrap)
    console = Console(soft_wrap=True)
    rates = asyncio.run(_run(rounds, seconds, connections, booking, services, console))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"servers-{time.strftime('%Y%m%dT%H%M%S')}.json"
    plan = {"rounds": rounds, "seconds": seconds, "connections": connections}
    path.write_bytes(orjson.dumps({"plan": plan, "rates_per_s": rates}, option=orjson.OPT_INDENT_2))
    console.print(f"written: {path}")


if __name__ == "__main__":
    import uvicorn

    from bolttickets.cli import SERVER_OPTIONS, server_limits
    from bolttickets.config import Settings

    target, port = sys.argv[1:3]
    served = booking_app() if target.endswith("_app") else app
    limits = server_limits(Settings() if served is not app else Settings(env="dev"))
    uvicorn.run(served, host="127.0.0.1", port=int(port), **SERVER_OPTIONS, **limits)
