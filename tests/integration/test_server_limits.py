"""The limits `bolttickets serve` puts on its clients (BOLT_SERVER_*), on a real server."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx

from tests.support import Server, eventually

CONCURRENCY = 4
# The module's server, for the keep-alive test: idle connections close after a second.
SERVER_ENV = {"BOLT_SERVER_TIMEOUT_KEEP_ALIVE": "1"}


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int) -> int:
    """One keep-alive GET on an open connection; returns its status, leaves it open."""
    writer.write(f"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return int(head.split(b" ")[1])


async def test_connections_past_the_limit_get_503_until_some_close(tmp_path: Path) -> None:
    # Connections that stay open as long as the test needs, whatever the machine's pace.
    env = {
        "BOLT_SERVER_LIMIT_CONCURRENCY": str(CONCURRENCY),
        "BOLT_SERVER_TIMEOUT_KEEP_ALIVE": "600",
    }
    server = Server(tmp_path, env)
    await server.start()
    try:
        await _past_the_limit_then_below_it(server)
    finally:
        server.stop()


async def _past_the_limit_then_below_it(server: Server) -> None:
    connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    statuses = []
    try:
        # One at a time, each answered before the next opens: the server has accepted every
        # earlier one by then, and counts the connection asking among those open.
        for _ in range(CONCURRENCY):
            connections.append(await asyncio.open_connection("127.0.0.1", server.port))
            statuses.append(await ask(*connections[-1], server.port))
        assert statuses == [200] * (CONCURRENCY - 1) + [503]
    finally:
        for _, writer in connections:
            writer.close()

    async def status() -> int:
        async with httpx.AsyncClient(base_url=server.url) as client:
            with contextlib.suppress(httpx.TransportError):
                return (await client.get("/health/live")).status_code
        return 0

    await eventually(status, lambda code: code == 200, timeout=60)


async def test_an_idle_keep_alive_connection_is_closed(server: Server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        assert await ask(reader, writer, server.port) == 200
        # Closed by the server after BOLT_SERVER_TIMEOUT_KEEP_ALIVE: the read ends.
        assert await asyncio.wait_for(reader.read(), 60) == b""
    finally:
        writer.close()
