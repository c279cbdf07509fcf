"""Run the benchmarks: `python -m tests.bench.run --scenario typing --json out.json`.

Each scenario runs against each server in turn (ours, pycrdt-websocket, the Node reference
server), each a fresh process, while this process generates the load on one event loop (fan-out:
the reading clients in `--reader-processes` worker processes, tests/bench/readers.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench import peers, report
from tests.bench.peers import Running
from tests.bench.scenarios import (
    FULL,
    Scenario,
    initial_states,
    join_big,
    join_history,
    run_on,
    seed_peer,
    seeded_database,
    sizes,
)

COLD_STARTS = 3  # fresh processes timed for the join's first sync of the compacted draft


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = Path(args.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.logs = self.workdir / "logs"
        self.logs.mkdir(exist_ok=True)
        self.env = {"DURABILITY": args.durability} if args.durability == "off" else {}
        self.profiler: subprocess.Popen[bytes] | None = None

    def start(
        self, server: str, tag: str, database_url: str = "", env: dict | None = None
    ) -> Running:
        log = self.logs / f"{tag}-{server}.log"
        if server == "ours" or server.startswith("ours-"):
            running = peers.start_ours(database_url, log, {**self.env, **(env or {})})
            if self.args.profile and tag in self.args.profile_scenarios:
                try:
                    self._profile(running, tag)
                except Exception:
                    running.stop()
                    raise
            return running
        if server == "pycrdt":
            return peers.start_pycrdt(log)
        return peers.start_node(log)

    def _profile(self, running: Running, tag: str) -> None:
        out = Path(self.args.profile) / f"{tag}-ours.raw.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [py_spy, "record", "--format", "raw", "--rate", "100", "--nonblocking",
                   "-o", str(out), "--pid", str(running.pid)]  # fmt: skip
        self.profiler = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=(self.logs / "py-spy.log").open("ab")
        )
        self.profile_out = out

    def stop(self, running: Running) -> dict[str, Any] | None:
        summary = None
        if self.profiler is not None:
            self.profiler.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.profiler.wait(timeout=30)
            self.profiler = None
            if self.profile_out.exists():
                summary = report.profile_summary(self.profile_out)
        running.stop()
        return summary

    def servers(self) -> list[str]:
        wanted = self.args.servers.split(",")
        missing = peers.node_ready()
        if "node" in wanted and missing:
            print(f"skipping the Node peer: {missing}", file=sys.stderr)
            wanted.remove("node")
        if "pycrdt" in wanted and importlib.util.find_spec("pycrdt.websocket") is None:
            print("skipping pycrdt-websocket: `pip install pycrdt-websocket`", file=sys.stderr)
            wanted.remove("pycrdt")
        return wanted

    async def scenario(self, sc: Scenario) -> dict[str, Any]:
        if sc.kind == "join":
            return await self.join(sc)
        if sc.name == "durability":
            return await self.durability(sc)
        results: dict[str, Any] = {}
        database_url, seeded = seeded_database(sc, self.workdir, f"{sc.name}-ours")
        states = initial_states(database_url, seeded.drafts[: sc.drafts])
        for server in self.servers():
            print(f"  {sc.name} on {server}…", file=sys.stderr, flush=True)
            running = self.start(server, sc.name, database_url)
            try:
                results[server] = await run_on(running, sc, seeded, states)
                results[server]["server_alive"] = running.alive()
            except Exception as error:  # one server failing does not end the comparison
                results[server] = {"server_alive": running.alive(), "problems": [repr(error)]}
            finally:
                summary = self.stop(running)
            if summary:
                results[server]["profile"] = summary
        return results

    async def durability(self, sc: Scenario) -> dict[str, Any]:
        """Ours as is (commit before broadcast, database on disk) against ours with
        DURABILITY=off (not implemented by the server yet: it ignores it) and the database
        on tmpfs (/dev/shm), which takes the disk out of the path either way."""
        results: dict[str, Any] = {}
        shm = Path("/dev/shm")
        variants = [("ours", self.workdir, {}), ("ours-off", shm if shm.is_dir() else self.workdir,
                    {"DURABILITY": "off"})]  # fmt: skip
        for label, where, env in variants:
            database_url, seeded = seeded_database(sc, self.workdir, f"durability-{label}")
            if where != self.workdir:
                moved = where / f"rollingtext-bench-{os.getpid()}.sqlite3"
                for part in self.workdir.glob(f"durability-{label}.sqlite3*"):
                    shutil.move(part, where / part.name.replace(f"durability-{label}", moved.stem))
                database_url = f"sqlite:///{moved}"
            print(f"  durability on {label}…", file=sys.stderr, flush=True)
            running = self.start("ours", f"durability-{label}", database_url, env)
            try:
                results[label] = await run_on(running, sc, seeded, {})
                results[label]["database"] = "tmpfs" if where != self.workdir else "disk"
            finally:
                self.stop(running)
                if where != self.workdir:
                    for part in where.glob(f"rollingtext-bench-{os.getpid()}.sqlite3*"):
                        part.unlink()
        return results

    async def join(self, sc: Scenario) -> dict[str, Any]:
        results: dict[str, dict[str, Any]] = {}
        history_url, seeded = seeded_database(sc, self.workdir, "join-history-ours")
        draft = seeded.drafts[0]
        history_state = initial_states(history_url, [draft])
        expect = _texts(history_state[draft])
        big_url, big_seeded = seeded_database(sc, self.workdir, "join-big-ours", big=True)
        big_state = initial_states(big_url, [draft])
        token = seeded.readers[0]
        for server in self.servers():
            print(f"  join on {server}…", file=sys.stderr, flush=True)
            figures: dict[str, Any] = {"history_updates": sc.history}
            running = self.start(server, "join-history", history_url)
            try:
                if server != "ours":
                    started = time.perf_counter()
                    await seed_peer(running, history_state)
                    figures["peer_seed_ms"] = round((time.perf_counter() - started) * 1000, 1)
                figures.update(await join_history(running, draft, token, expect))
                if server == "ours":  # it compacts the long tail it loaded: wait for that
                    figures["history_compacted_s"] = await _compacted(history_url, draft)
            finally:
                self.stop(running)
            if server == "ours":
                # Fresh processes, the same database: the cold first sync of the draft as the
                # server keeps it (snapshot + short tail), one read. One cold start is one
                # sample of a noisy machine (80-111 ms in four runs one night): the median of
                # COLD_STARTS, each figure kept.
                colds: list[float] = []
                ok = True
                for _ in range(COLD_STARTS):
                    running = self.start(server, "join-history-compacted", history_url)
                    try:
                        again = await join_history(running, draft, token, expect)
                    finally:
                        self.stop(running)
                    if again["history_first_sync_ms"] is not None:
                        colds.append(again["history_first_sync_ms"])
                    ok = ok and again["history_content_ok"]
                figures["history_first_sync_compacted_ms"] = (
                    round(statistics.median(colds), 1) if colds else None
                )
                figures["history_first_sync_compacted_each_ms"] = colds
                figures["history_compacted_content_ok"] = ok
            running = self.start(server, "join-big", big_url)
            try:
                if server != "ours":
                    await seed_peer(running, big_state)
                figures.update(await join_big(running, sc, draft, big_seeded.readers))
            finally:
                self.stop(running)
            results[server] = figures
        return results


async def _compacted(database_url: str, draft_id: str, timeout: float = 120.0) -> float | None:
    """Seconds until the draft's stored tail is compacted into a snapshot (None: not in time)."""
    import sqlite3

    def tail() -> int:  # the bench's databases are SQLite files
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            query = "SELECT count(*) FROM updates WHERE draft_id = ?"
            return int(db.execute(query, (draft_id,)).fetchone()[0])

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await asyncio.to_thread(tail) < 500:
            return round(time.monotonic() - started, 1)
        await asyncio.sleep(0.25)
    return None


def _texts(state: bytes) -> list[str]:
    from pycrdt import Array, Doc

    doc: Doc = Doc()
    doc.apply_update(state)
    return [str(p["text"]) for p in doc.get("paragraphs", type=Array)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__)
    parser.add_argument("--scenario", action="append", choices=[*FULL, "all"],
                        help="scenario to run (repeatable; default: all)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="a short smoke size of each")
    parser.add_argument("--json", help="write the figures to this JSON file")
    parser.add_argument("--servers", default=",".join(peers.SERVERS),
                        help="comma-separated: ours,pycrdt,node (default: all three)")  # fmt: skip
    parser.add_argument("--durability", choices=["on", "off"], default="on",
                        help="off: pass DURABILITY=off to our server")  # fmt: skip
    parser.add_argument("--clients", type=int)
    parser.add_argument("--writers", type=int)
    parser.add_argument("--rate", type=float, help="keystrokes (or presence updates) per second")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--drafts", type=int)
    parser.add_argument("--amend-every", type=int, metavar="N",
                        help="typing scenarios: a writer opens a new amendment every N "
                             "characters (default 100; each opening records an event)")  # fmt: skip
    parser.add_argument("--reader-processes", type=int, metavar="N",
                        help="typing scenarios: worker processes holding the reading clients "
                             "(default: the number of cores for fanout, 0 for the others; "
                             "0: every client in this process)")  # fmt: skip
    parser.add_argument("--readers", choices=["frames", "docs"],
                        help="typing scenarios: pure readers mark frames as they arrive and "
                             "apply them at the end (frames, default: cheap) or apply each to "
                             "a Doc as it arrives (docs: the older, dearer harness)")  # fmt: skip
    parser.add_argument("--workdir", default="/tmp/rollingtext-bench",
                        help="databases (seeded ones cached), server logs")  # fmt: skip
    parser.add_argument("--profile", metavar="DIR",
                        help="py-spy our server into DIR (raw stacks), summarized")  # fmt: skip
    parser.add_argument("--profile-scenarios", default="heavy",
                        help="scenarios to profile (comma-separated)")  # fmt: skip
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    chosen = args.scenario or ["all"]
    names = list(FULL) if "all" in chosen else chosen
    scenarios = sizes(args.quick, {
        "clients": args.clients, "writers": args.writers, "rate": args.rate,
        "seconds": args.seconds, "drafts": args.drafts, "reader_processes": args.reader_processes,
        "reader_kind": args.readers, "amend_every": args.amend_every,
    })  # fmt: skip
    bench = Bench(args)
    document: dict[str, Any] = {"machine": report.machine(), "quick": args.quick,
                                "durability": args.durability, "scenarios": {}}  # fmt: skip
    print(f"machine: {document['machine']}", flush=True)
    for name in names:
        sc = scenarios[name]
        print(f"running {name}: {sc}", file=sys.stderr, flush=True)
        started = time.monotonic()
        results = await bench.scenario(sc)
        document["scenarios"][name] = {"size": vars(sc) if hasattr(sc, "__dict__") else {},
                                       "results": results,
                                       "seconds": round(time.monotonic() - started, 1)}  # fmt: skip
        print(report.table(name, {k: {f: v for f, v in r.items() if f != "profile"}
                                  for k, r in results.items()}), flush=True)  # fmt: skip
        for figures in results.values():
            if "profile" in figures:
                report.print_profile(figures["profile"])
        if args.json:
            report.write_json(Path(args.json), document)
    return document


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.profile_scenarios = args.profile_scenarios.split(",")
    raise_fd_limit()
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
