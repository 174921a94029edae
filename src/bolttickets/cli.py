"""The ``bolttickets`` command."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from bolttickets.config import Settings

app = typer.Typer(help="BoltTickets: flash-sale ticketing.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)

# How the API is served, kept apart so a benchmark can serve its baselines the same way.
SERVER_OPTIONS: dict[str, Any] = {
    "log_level": "warning",
    "timeout_graceful_shutdown": 10,
    # One log line per request costs more than a booking's own work at flash-sale rates;
    # /metrics counts the requests instead.
    "access_log": False,
    "ws_ping_interval": 20,
    # Realtime frames are a few dozen bytes: compressing them saves little, and each
    # connection's zlib state cost ~40 KiB of memory (the fan-out benchmark: 79 KiB per
    # subscriber with it, 37 KiB without).
    "ws_per_message_deflate": False,
    # uvicorn would trust X-Forwarded-For from 127.0.0.1 by default; the app reads it only
    # from BOLT_TRUSTED_PROXIES (api.app.create_app), so a local client cannot pose as any
    # address to the rate limits.
    "proxy_headers": False,
}


def server_limits(settings: Settings) -> dict[str, Any]:
    """What one API process accepts from its clients (docs/security.md, "Hardening")."""
    return {
        "limit_concurrency": settings.server_limit_concurrency,
        "timeout_keep_alive": settings.server_timeout_keep_alive,
        "h11_max_incomplete_event_size": settings.server_h11_max_incomplete_event_size,
        "ws_max_size": settings.ws_max_message_bytes,
    }


def _settings(**overrides: Any) -> Settings:
    """The configuration, with the options given on the command line (those not None) in
    place of their BOLT_* variables, validated together."""
    try:
        return Settings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as exc:
        for error in exc.errors():
            reason = str(error["msg"]).removeprefix("Value error, ")
            where = ".".join(str(part) for part in error["loc"])
            err.print(
                f"[red]Configuration refused:[/red] {reason}" + (f" ({where})" if where else "")
            )
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Internal port serving /metrics and the detailed /health/ready "
            "(BOLT_METRICS_PORT; unset: none).",
        ),
    ] = None,
    metrics_host: Annotated[
        str | None, typer.Option(help="Address of the internal port (BOLT_METRICS_HOST).")
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1024,
            help="API processes on the one port, full stack only; process i serves its "
            "internal port on --metrics-port + i (BOLT_API_PROCESSES; default 1).",
        ),
    ] = None,
) -> None:
    """Run the API (and, on the embedded default, the worker inside it)."""
    import uvicorn

    from bolttickets import bootstrap
    from bolttickets.adapters.websocket_frames import FrameWriterProtocol

    settings = _settings(
        metrics_port=metrics_port, metrics_host=metrics_host, api_processes=processes
    )
    _refuse_unmigrated(settings)
    mode = "embedded (SQLite, in-process queue and worker)" if settings.embedded else "full stack"
    if settings.api_processes > 1:
        mode += f", {settings.api_processes} API processes"
    scheme = "http" if settings.tls_cert_file is None else "https"
    err.print(f"BoltTickets on {scheme}://{host}:{port} — {mode}")
    if settings.metrics_port is not None:
        last = settings.metrics_port + settings.api_processes - 1
        ports = f"{settings.metrics_port}" + (f"-{last}" if last > settings.metrics_port else "")
        err.print(f"Metrics and readiness on http://{settings.metrics_host}:{ports}")
    options = {
        "ssl_certfile": settings.tls_cert_file,
        "ssl_keyfile": settings.tls_key_file,
        **SERVER_OPTIONS,
        **server_limits(settings),
        # uvicorn's own WebSocket protocol, also letting the realtime hub write a frame
        # encoded once to every subscriber.
        "ws": FrameWriterProtocol,
    }
    if settings.api_processes == 1:
        uvicorn.run(bootstrap.api_app(settings), host=host, port=port, **options)
        return
    from bolttickets import api_processes

    try:
        sockets = api_processes.listening_sockets(host, port, settings.api_processes)
    except OSError as exc:
        err.print(f"[red]Refusing to start:[/red] cannot listen on {host}:{port}: {exc.strerror}")
        raise typer.Exit(2) from None
    supervisor = api_processes.Supervisor(settings, sockets, options, err.print)
    raise typer.Exit(supervisor.run())


def _refuse_unmigrated(settings: Settings) -> None:
    """The full stack's processes start only on a migrated database; checked here, before
    the server's own start-up, so the refusal is one line and not a traceback (a database
    that is down or whose certificate does not verify, too)."""
    if settings.embedded:
        return  # the embedded default migrates its own SQLite file
    from bolttickets import bootstrap

    try:
        asyncio.run(bootstrap.ensure_migrated(settings))
    except (bootstrap.DatabaseNotMigrated, bootstrap.DatabaseUnreachable) as exc:
        err.print(f"[red]Refusing to start:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command()
def worker(
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 0 only if PostgreSQL, Redis and Kafka answer."),
    ] = False,
    host: Annotated[str, typer.Option(help="Address of its health and metrics port.")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option(help="Serves /health/live, /health/ready and /metrics.")
    ] = 9100,
) -> None:
    """Consume booking requests (full stack); any number of workers share the partitions."""
    settings = _settings()
    if settings.embedded:
        err.print(
            "[red]The embedded worker runs inside `bolttickets serve`.[/red] Set "
            "BOLT_KAFKA_BOOTSTRAP, BOLT_REDIS_URL and BOLT_DATABASE_URL for separate workers."
        )
        raise typer.Exit(2)
    from bolttickets import bootstrap

    if check:
        problems = asyncio.run(bootstrap.unavailable_to_worker(settings))
        for name, problem in problems.items():
            err.print(f"[red]{name}:[/red] {problem}")
        raise typer.Exit(1 if problems else 0)
    _refuse_unmigrated(settings)
    asyncio.run(bootstrap.run_worker(settings, host, port))


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from bolttickets import bootstrap

    asyncio.run(bootstrap.migrate(_settings()))
    err.print("[green]Database schema is up to date.[/green]")


@app.command()
def openapi() -> None:
    """Print the OpenAPI document (the front end's client is generated from it)."""
    from bolttickets import bootstrap

    document = bootstrap.api_app(Settings(env="dev")).openapi()
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
