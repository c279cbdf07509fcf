"""Scale-out benchmark: 2 server processes vs 1, on PostgreSQL + Redis, in one invocation.

    .venv/bin/python -m tests.bench.scale_out [--quick] [--json scale_out.json]

1. Throughput: 50 drafts x 10 clients, every draft's writers typing; clients reach the
   process their draft is assigned to (draft affinity, as a load balancer hashing the URL path
   would do). Deliveries per second and p99 fan-out latency, 1 process vs 2.
2. The cross-process hop: one draft, its clients split over 2 processes (every update crosses
   Redis to reach half the readers) vs the same clients on 1 process: the p50/p99 added.

Both servers run with enforcement and durability on. Needs PostgreSQL (TEST_POSTGRES_URL or
127.0.0.1:5432/test) and Redis (REDIS_URL or 127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tests.bench.peers import Running, cpu_seconds
from tests.bench.scenarios import Scenario, typing
from tests.bench.seed import seed
from tests.conftest import POSTGRES_URL, postgres_schema
from tests.live.server_process import ServerProcess

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

THROUGHPUT = Scenario(
    "throughput", "typing", clients=500, writers=100, rate=10, seconds=20, drafts=50
)
HOP = Scenario("hop", "typing", clients=100, writers=10, rate=10, seconds=20)


@dataclass
class Cluster(Running):
    """N processes on one database and one Redis; `url` picks a process per draft or per call."""

    members: list[ServerProcess] | None = None
    by_draft: bool = True
    _turn: int = 0

    def url(self, draft_id: str, token: str | None = None) -> str:
        assert self.members is not None
        if self.by_draft:
            server = self.members[zlib.crc32(draft_id.encode()) % len(self.members)]
        else:
            server = self.members[self._turn % len(self.members)]
            self._turn += 1
        url = f"ws://127.0.0.1:{server.port}/drafts/{draft_id}/sync"
        return url + (f"?token={token}" if token else "")

    def cpu(self) -> float:
        assert self.members is not None
        return sum(cpu_seconds(m.process.pid) for m in self.members if m.process)


async def measure(sc: Scenario, processes: int, by_draft: bool, workdir: Path) -> dict[str, Any]:
    with postgres_schema(POSTGRES_URL, "bench") as database_url:
        seeded = seed(
            database_url,
            writers=sc.writers,
            drafts=sc.drafts,
            paragraphs=max(20, sc.writers // sc.drafts + 1),
            readers=sc.readers(),
        )
        env = {"REDIS_URL": REDIS_URL, "IDLE_UNLOAD_SECONDS": "600"}
        members = [
            ServerProcess(database_url, workdir / f"{sc.name}-{processes}-{n}.log", env).start()
            for n in range(processes)
        ]
        first = members[0].process
        assert first is not None
        cluster = Cluster("ours", first, members[0].port, members=members, by_draft=by_draft)
        try:
            before = cluster.cpu()
            result = await typing(cluster, sc, seeded)
            result["cluster_cpu_s"] = round(cluster.cpu() - before, 2)
        finally:
            for member in members:
                member.stop()
        return result


KEYS = ("deliveries_per_s", "p50_ms", "p99_ms", "missing", "converged", "cluster_cpu_s")


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    throughput, hop = THROUGHPUT, HOP
    if args.quick:
        throughput = replace(throughput, clients=200, writers=40, drafts=20, seconds=6)
        hop = replace(hop, clients=40, writers=4, seconds=6)
    workdir = Path(tempfile.mkdtemp(prefix="rt-scale-"))
    report: dict[str, Any] = {"throughput": {}, "hop": {}}
    wanted = {"throughput": (throughput, True), "hop": (hop, False)}
    for name in args.only or list(wanted):
        scenario, by_draft = wanted[name]
        for processes in (1, 2):
            print(f"{name} on {processes} process(es)…", file=sys.stderr, flush=True)
            report[name][processes] = await measure(scenario, processes, by_draft, workdir)
    print(f"{'':<28}{'1 process':>14}{'2 processes':>14}")
    for name in report:
        if not report[name]:
            continue
        for key in KEYS:
            row = [report[name][n].get(key) for n in (1, 2)]
            print(f"{name + ' ' + key:<28}{row[0]!s:>14}{row[1]!s:>14}")
    if report["throughput"]:
        one, two = report["throughput"][1], report["throughput"][2]
        ratio = round(two["deliveries_per_s"] / max(1.0, one["deliveries_per_s"]), 2)
        report["throughput_ratio"] = ratio
        print(f"deliveries/s ratio 2:1 = {ratio} (target >= 1.7)")
    if report["hop"]:
        h1, h2 = report["hop"][1], report["hop"][2]
        added = {k: round((h2[k] or 0) - (h1[k] or 0), 1) for k in ("p50_ms", "p99_ms")}
        report["hop_added_ms"] = added
        print(
            f"cross-process hop adds p50 {added['p50_ms']} ms, "
            f"p99 {added['p99_ms']} ms (target p99 <= 5 ms)"
        )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds each")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--only", action="append", choices=["throughput", "hop"], help="run only this part"
    )
    args = parser.parse_args(argv)
    report = asyncio.run(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
