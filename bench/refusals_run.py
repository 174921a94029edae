"""Refusals of every kind against a real ``bolttickets serve``, its memory before and after.

A refused request must leave nothing behind (a refusal raised as a shared exception would
keep every request's frames in its traceback). A first round of every kind warms the
process (imports, caches, allocator arenas); the RSS is read after it and after the
measured rounds, and the growth must stay within ``MAX_GROWTH``.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from bench.database import buyer_tokens, insert_buyers
from bench.loadgen import Spec
from bench.modes import Mode
from bench.processes import Cores, rss_bytes
from bench.report import MIB
from bench.system import Services, System, run_loadgen, started

MAX_GROWTH = 10 * MIB
WARM_UP_SHARE = 0.1
BUYERS = 1_000
ONE_KEY = "bench-refusals"


@dataclass(frozen=True)
class Kind:
    name: str
    status: int
    body: dict[str, object]
    tokens: str
    same_key: bool = False


async def _kinds(system: System, workdir: Path) -> list[Kind]:
    """Each refusal, with a buyer who already holds the one ticket a buyer may have."""
    admin = await system.admin_token()
    sold_out = await system.create_ticket_type(admin, "Sold out", 1)
    limited = await system.create_ticket_type(admin, "One each", 100, per_user_limit=1)
    not_open = await system.create_ticket_type(
        admin, "Not yet", 100, sale_opens_in=timedelta(days=20)
    )
    ids = await insert_buyers(system.database_url, BUYERS)
    many, (holder,) = buyer_tokens(system.secret, ids), buyer_tokens(system.secret, ids[:1])
    files = {"many": many, "holder": [holder], "forged": [holder[:-4] + "AAAA"]}
    for name, tokens in files.items():
        (workdir / f"{name}.tokens").write_text("\n".join(tokens))
    # The holder's key is the one the key-reused refusals send again; a key is the buyer's
    # whatever the ticket type, so the sold-out type's only ticket is booked without one.
    for tt, key in ((sold_out, None), (limited, f"{ONE_KEY}-")):
        headers = {"Authorization": f"Bearer {holder}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        response = await system.http.post(
            "/api/bookings", json={"ticket_type_id": tt.id, "quantity": 1}, headers=headers
        )
        response.raise_for_status()
    one = {"quantity": 1}
    return [
        Kind("sold-out", 409, {"ticket_type_id": sold_out.id, **one}, "many"),
        Kind("per-user-limit", 409, {"ticket_type_id": limited.id, **one}, "holder"),
        Kind("sale-not-open", 409, {"ticket_type_id": not_open.id, **one}, "many"),
        Kind("key-reused", 422, {"ticket_type_id": limited.id, "quantity": 2}, "holder", True),
        Kind("bad-quantity", 422, {"ticket_type_id": limited.id, "quantity": 0}, "many"),
        Kind("no-such-ticket-type", 404, {"ticket_type_id": str(uuid.uuid4()), **one}, "many"),
        Kind("bad-token", 401, {"ticket_type_id": limited.id, **one}, "forged"),
    ]


async def drive(
    system: System, cores: Cores, workdir: Path, kind: Kind, requests: int, connections: int
) -> dict[str, Any]:
    """``requests`` of one kind through the load generator; its result (``statuses``,
    ``rate_per_s``, ``latency_ms``…)."""
    stem = workdir / f"{kind.name}-{time.monotonic_ns()}"
    spec = Spec(
        port=system.port,
        path="/api/bookings",
        body=orjson.dumps(kind.body).decode(),
        tokens_file=str(workdir / f"{kind.tokens}.tokens"),
        key_prefix=ONE_KEY if kind.same_key else stem.name,
        connections=connections,
        requests=requests,
        same_key=kind.same_key,
    )
    result = await run_loadgen(spec, stem, cores.client, f"on {kind.name}")
    system.check_alive()
    return result


async def execute(per_kind: int, connections: int, services: Services, console: Console) -> int:
    if problems := await services.unreachable():
        for problem in problems:
            console.print(f"[red]unreachable:[/red] {problem}")
        return 2
    cores = Cores.split()
    console.print(f"[bold]Refusals bench[/bold]: {per_kind:,} of each kind; {cores.describe()}")
    workdir = Path(tempfile.mkdtemp(prefix="bolt-bench-refusals-"))
    failures: list[str] = []
    async with started(Mode.STACK, services, cores, workdir, workers=1) as system:
        kinds = await _kinds(system, workdir)
        warm_up = max(1_000, int(per_kind * WARM_UP_SHARE))
        for kind in kinds:
            await drive(system, cores, workdir, kind, warm_up, connections)
        before = rss_bytes(system.api.pid) or 0
        started_at = time.monotonic()
        for kind in kinds:
            result = await drive(system, cores, workdir, kind, per_kind, connections)
            statuses = result["statuses"]
            console.print(f"  {kind.name:<20} {statuses}")
            if statuses != {str(kind.status): per_kind}:
                failures.append(
                    f"{kind.name}: expected {per_kind} answers {kind.status}, got {statuses}"
                )
        elapsed = time.monotonic() - started_at
        after = rss_bytes(system.api.pid) or 0
    growth = after - before
    total = per_kind * len(kinds)
    console.print(
        f"API RSS {before / MIB:.1f} MiB → {after / MIB:.1f} MiB "
        f"({growth / MIB:+.1f} MiB) over {total:,} refusals in {elapsed:.0f} s "
        f"({total / elapsed:,.0f}/s)"
    )
    if growth > MAX_GROWTH:
        failures.append(f"the API's RSS grew by {growth / MIB:.1f} MiB (> {MAX_GROWTH / MIB:.0f})")
    for failure in failures:
        console.print(f"[red]{failure}[/red]")
    if not failures:
        console.print("[green]refusals leave nothing behind[/green]")
    return 1 if failures else 0


def main(
    per_kind: int, connections: int, postgres_admin_url: str, redis_url: str, kafka: str
) -> int:
    console = Console(soft_wrap=True)
    services = Services(postgres_admin_url, redis_url, kafka)
    return asyncio.run(execute(per_kind, connections, services, console))
