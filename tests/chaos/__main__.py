"""`make chaos`: python -m tests.chaos [--faults N] [--seed S] (or BOLT_CHAOS_SEED).

Needs the services of scripts/services (their addresses from `scripts/services env`);
prints the seed first, so a failing run can be replayed, keeps every process's log under
var/chaos/seed-S/, and exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
from pathlib import Path

from tests.chaos.run import Chaos, open_stack


async def main(workdir: Path, faults: int, seed: int) -> int:
    print(f"chaos: seed {seed} (replay with BOLT_CHAOS_SEED={seed}), {faults} faults", flush=True)
    async with open_stack(
        workdir,
        os.environ["BOLT_DATABASE_URL"],
        os.environ["BOLT_REDIS_URL"],
        os.environ["BOLT_KAFKA_BOOTSTRAP"],
    ) as stack:
        report = await Chaos(stack, seed, faults).run()
    print(report.table())
    print(f"process logs: {workdir}/")
    if broken := report.broken():
        print(report.failure(*broken), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.chaos")
    parser.add_argument("--faults", type=int, default=20)
    default_seed = int(os.environ.get("BOLT_CHAOS_SEED") or random.randrange(2**32))
    parser.add_argument("--seed", type=int, default=default_seed)
    args = parser.parse_args()
    workdir = Path("var/chaos") / f"seed-{args.seed}"
    shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(asyncio.run(main(workdir, args.faults, args.seed)))
