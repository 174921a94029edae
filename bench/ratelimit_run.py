"""What a rate-limited booking costs against a booking, on one API process of the full stack.

Every buyer may book once a day (``bookings-per-user``): the same buyers book once (each
202, through the stock and Kafka), then again (each a 429, refused before its body is
read), through the same load generator, API and services. A first round of each on other
buyers warms the process.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from rich.console import Console

from bench.database import buyer_tokens, insert_buyers
from bench.modes import Mode
from bench.processes import Cores
from bench.refusals_run import Kind, drive
from bench.system import Services, started

LIMITS = {
    "BOLT_RATE_LIMITS_ENABLED": "true",
    "BOLT_RATE_LIMIT_BOOKINGS_PER_USER": "1/day",
    # One load generator on 127.0.0.1 is every buyer.
    "BOLT_RATE_LIMIT_BOOKINGS_PER_IP": "off",
}
WARM_UP_SHARE = 0.1


async def execute(buyers: int, connections: int, services: Services, console: Console) -> int:
    if problems := await services.unreachable():
        for problem in problems:
            console.print(f"[red]unreachable:[/red] {problem}")
        return 2
    cores = Cores.split()
    console.print(f"[bold]Rate limit bench[/bold]: {buyers:,} buyers; {cores.describe()}")
    workdir = Path(tempfile.mkdtemp(prefix="bolt-bench-ratelimit-"))
    warm_up = max(1, int(buyers * WARM_UP_SHARE))
    async with started(Mode.STACK, services, cores, workdir, 1, LIMITS) as system:
        admin = await system.admin_token()
        tt = await system.create_ticket_type(admin, "Rate limited", 10_000_000)
        ids = await insert_buyers(system.database_url, warm_up + buyers)
        for name, group in (("warm", ids[:warm_up]), ("measured", ids[warm_up:])):
            (workdir / f"{name}.tokens").write_text("\n".join(buyer_tokens(system.secret, group)))
        body: dict[str, object] = {"ticket_type_id": tt.id, "quantity": 1}
        results = {}
        for tokens, requests in (("warm", warm_up), ("measured", buyers)):
            for kind in (Kind("booking", 202, body, tokens), Kind("limited", 429, body, tokens)):
                result = await drive(system, cores, workdir, kind, requests, connections)
                if result["statuses"] != {str(kind.status): requests}:
                    console.print(f"[red]{kind.name}: {result['statuses']}[/red]")
                    return 1
                results[kind.name] = result
    booking, limited = results["booking"]["rate_per_s"], results["limited"]["rate_per_s"]
    for name, result in results.items():
        latency = result["latency_ms"]
        console.print(
            f"  {name:<8} {result['rate_per_s']:>9,.0f} req/s   "
            f"p50 {latency['p50']:.1f} ms  p99 {latency['p99']:.1f} ms"
        )
    console.print(f"a limited booking is answered {limited / booking:.2f}x as fast as a booking")
    return 0


def main(buyers: int, connections: int, postgres_admin_url: str, redis_url: str, kafka: str) -> int:
    console = Console(soft_wrap=True)
    services = Services(postgres_admin_url, redis_url, kafka)
    return asyncio.run(execute(buyers, connections, services, console))
