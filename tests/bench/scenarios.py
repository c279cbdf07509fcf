"""The scenarios: their sizes (full and --quick) and how each one runs against one server.

Every loop is bounded in count and in time; every socket is on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import os
import shutil
import statistics
import time
from array import array
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from server import wire
from server.storage import Storage
from tests.bench.frame_reader import FrameReader
from tests.bench.load import MAX_FRAME, Client, Ledger, LoopLag, open_all
from tests.bench.peers import (
    Running,
    cpu_seconds,
    machine_cpu_seconds,
    memory_kib,
    own_cpu_seconds,
    services_cpu_seconds,
)
from tests.bench.readers import ReaderPool, texts_digest
from tests.bench.seed import Seeded, load_doc, seed

SYNC_TIMEOUT = 120.0
DRAIN_SECONDS = 15.0
CONNECT_PARALLEL = 50
TRUST_LAG_MS = 100.0  # generator event-loop lag p99 above this: the generator was the bottleneck
TRUST_OTHERS_PCT = 25.0  # other processes' CPU (% of one core) above this: not comparable


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # typing | presence | join
    clients: int = 0
    writers: int = 0
    rate: float = 0.0  # keystrokes (or awareness updates) per second per writer
    seconds: float = 0.0
    drafts: int = 1
    paragraphs: int = 20
    amend_every: int = 100  # a writer opens a new amendment every N characters
    history: int = 0  # join: stored updates of history in the draft
    big_bytes: int = 0  # join: Yjs state size of the big draft
    joiners: int = 0  # join: clients joining the big draft at once
    reader_processes: int = 0  # typing: worker processes holding the readers (0: all in this one)
    reader_kind: str = "frames"  # typing: pure readers as FrameReader ("frames") or Client ("docs")
    note: str = ""

    def seed_key(self) -> str:
        sizes = (self.writers, self.drafts, self.paragraphs, self.history, self.big_bytes)
        return "w{}-d{}-p{}-h{}-b{}".format(*sizes) + f"-r{self.readers()}-s{schema_digest()}"

    def readers(self) -> int:
        """Reading tokens to issue: one per client, plus late joiners."""
        return max(self.clients, self.joiners) + self.drafts + 10


def schema_digest() -> str:
    """Short digest of the migrations: a cached seeded database of another schema is stale."""
    versions = Path(__file__).resolve().parents[2] / "server" / "migrations" / "versions"
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


FULL: dict[str, Scenario] = {
    "heavy": Scenario("heavy", "typing", clients=100, writers=20, rate=20, seconds=30),
    "typing": Scenario("typing", "typing", clients=200, writers=20, rate=5, seconds=30),
    "fanout": Scenario(
        "fanout",
        "typing",
        clients=1501,
        writers=1,
        rate=10,
        seconds=30,
        reader_processes=os.cpu_count() or 1,
    ),
    "presence": Scenario("presence", "presence", clients=500, rate=1, seconds=30),
    "join": Scenario(
        "join", "join", paragraphs=300, history=100_000, big_bytes=20_000_000, joiners=150
    ),
    "durability": Scenario("durability", "typing", clients=100, writers=20, rate=20, seconds=30),
}
QUICK: dict[str, Scenario] = {
    "heavy": replace(FULL["heavy"], clients=40, writers=8, seconds=6),
    "typing": replace(FULL["typing"], clients=60, writers=10, seconds=6),
    "fanout": replace(FULL["fanout"], clients=301, seconds=6),
    "presence": replace(FULL["presence"], clients=100, seconds=6),
    "join": replace(FULL["join"], history=5_000, big_bytes=2_000_000, joiners=20),
    "durability": replace(FULL["durability"], clients=40, writers=8, seconds=6),
}


def sizes(quick: bool, overrides: dict[str, Any]) -> dict[str, Scenario]:
    chosen = QUICK if quick else FULL
    given = {k: v for k, v in overrides.items() if v is not None}
    return {name: replace(sc, **given) for name, sc in chosen.items()}


# -- databases ----------------------------------------------------------------------------------


def seeded_database(
    sc: Scenario, workdir: Path, run_name: str, *, big: bool = False
) -> tuple[str, Seeded]:
    """A fresh copy of a cached seeded SQLite database for one server run."""
    cache = workdir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    key = sc.seed_key() + ("-big" if big else "")
    path = cache / f"{key}.sqlite3"
    meta = cache / f"{key}.json"
    if not meta.exists():
        for stale in cache.glob(f"{key}.sqlite3*"):
            stale.unlink()
        seeded = seed(
            f"sqlite:///{path}",
            writers=max(sc.writers, 1),
            drafts=sc.drafts,
            paragraphs=sc.paragraphs,
            history_updates=0 if big else sc.history,
            big_bytes=sc.big_bytes if big else 0,
            readers=sc.readers(),
        )
        meta.write_text(json.dumps(asdict(seeded)))
    seeded = Seeded(**json.loads(meta.read_text()))
    target = workdir / f"{run_name}.sqlite3"
    for old in workdir.glob(f"{run_name}.sqlite3*"):
        old.unlink()
    for part in cache.glob(f"{key}.sqlite3*"):
        shutil.copy(part, workdir / part.name.replace(key, run_name))
    return f"sqlite:///{target}", seeded


def initial_states(database_url: str, drafts: list[str]) -> dict[str, bytes]:
    storage = Storage.open(database_url)
    try:
        return {d: load_doc(storage, d).get_update() for d in drafts}
    finally:
        storage.close()


async def seed_peer(running: Running, states: dict[str, bytes]) -> None:
    """Give a relay the draft's document the way a first client would: send it, then ask for
    the state back (the reply comes after the update is applied)."""
    for draft_id, state in states.items():
        async with connect(
            running.url(draft_id), max_size=MAX_FRAME, compression=None, ping_interval=None
        ) as ws:
            await ws.send(wire.sync_frame(wire.SyncType.UPDATE, state))
            await ws.send(wire.sync_frame(wire.SyncType.STEP1, b"\x00"))
            deadline = time.monotonic() + SYNC_TIMEOUT
            while time.monotonic() < deadline:
                frame = await asyncio.wait_for(ws.recv(decode=False), SYNC_TIMEOUT)
                message = wire.parse(frame) if frame[0] == 0 else None
                if isinstance(message, wire.Sync) and message.kind == wire.SyncType.STEP2:
                    break


# -- figures ------------------------------------------------------------------------------------


def percentiles(values: Any) -> dict[str, float | None]:
    data = sorted(values)
    if not data:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}

    def at(q: float) -> float:
        return round(data[min(len(data) - 1, int(q * len(data)))] * 1000, 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1.0)}


class Meter:
    """Server CPU and generator CPU over a window, and the server's peak RSS. The generator is
    this process and its reader worker processes (``helpers``), if any."""

    def __init__(self, running: Running, helpers: list[int] | None = None) -> None:
        self.running = running
        self.helpers = helpers or []
        self.wall = time.perf_counter()
        self.cpu = self._server()
        self.own = self._own()
        self.services = services_cpu_seconds()
        self.machine = machine_cpu_seconds()
        self.generator_cpu_s = 0.0  # over the window, once figures() is called

    def _server(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.running.pids())

    def _own(self) -> float:
        return own_cpu_seconds() + sum(cpu_seconds(pid) for pid in self.helpers)

    def figures(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall
        cpu = self._server() - self.cpu
        mem = memory_kib(self.running.pid)
        own = self.generator_cpu_s = self._own() - self.own
        services = {k: v - self.services[k] for k, v in services_cpu_seconds().items()}
        busy, _total = (a - b for a, b in zip(machine_cpu_seconds(), self.machine, strict=True))
        others = max(0.0, busy - cpu - own - sum(services.values()))
        return {
            "window_s": round(wall, 2),
            "server_cpu_s": round(cpu, 2),
            "server_cpu_pct": round(100 * cpu / wall, 1),
            "generator_cpu_s": round(own, 2),
            **{f"{name}_cpu_s": round(used, 2) for name, used in services.items()},
            "server_rss_mb": round(mem["VmRSS"] / 1024, 1),
            "server_peak_rss_mb": round(mem["VmHWM"] / 1024, 1),
            "generator_cpu_pct": round(100 * own / wall, 1),
            "other_processes_cpu_pct": round(100 * others / wall, 1),
        }

    @staticmethod
    def trustworthy(figures: dict[str, Any]) -> bool:
        """The generator kept its schedule (this process's event loop, and each reader
        worker's) and nobody else took a real share of the cores."""
        lag = max(figures.get("generator_lag_p99_ms") or 0, figures.get("reader_lag_p99_ms") or 0)
        return lag < TRUST_LAG_MS and figures["other_processes_cpu_pct"] < TRUST_OTHERS_PCT


def connection_trouble(
    clients: list[Client], remote: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Clients closed early and clients with errors: these, and the reader workers' (``remote``:
    their reports)."""
    closed = [c.closed_with for c in clients if c.closed_with is not None]
    errors = sum(1 for c in clients if c.errors)
    for report in remote or []:
        closed += report["closed"]
        errors += report["client_errors"]
    return {
        "closed_early": len(closed),
        "close_codes": sorted({str(code) for code, _ in closed}),
        "client_errors": errors,
    }


def converged(
    clients: list[Client], late: list[Client], remote: list[tuple[int, str | None]] | None = None
) -> tuple[bool, list[str]]:
    """Every client of a draft (and a late joiner) holds the same paragraph texts; ``remote``:
    the reader workers' clients, (draft, digest of the texts, None when not there at the end)."""
    problems = []
    here = [(c.draft, texts_digest(c)) for c in clients]
    states = [*here, *(remote or [])]
    gone = sum(1 for _, digest in states if digest is None)
    if gone:
        problems.append(f"{gone} of {len(states)} clients were not there at the end")
    by_draft: dict[int, list[str]] = {}
    for draft, digest in [*states, *((c.draft, texts_digest(c)) for c in late)]:
        if digest is not None:
            by_draft.setdefault(draft, []).append(digest)
    for draft, members in by_draft.items():
        reference = members[-1]
        differ = sum(1 for digest in members if digest != reference)
        if differ:
            problems.append(f"draft {draft}: {differ} of {len(members)} clients differ")
    return not problems, problems


async def bounded(coroutines: list[Any], seconds: float) -> int:
    """Run the load loops, at most ``seconds``: how many had not finished (a stalled send:
    the server stopped reading)."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    _done, pending = await asyncio.wait(tasks, timeout=seconds)
    for task in pending:
        task.cancel()
    return len(pending)


# -- typing (heavy typing, typing, fan-out, durability) ------------------------------------------


def reader_class(sc: Scenario) -> type[Client] | type[FrameReader]:
    """How a pure reader reads: ``frames`` (default) marks deliveries as frames arrive and
    applies them once at the end (cheap for the generator); ``docs`` applies each frame to its
    own Doc as it arrives (the harness before 2026-11-29: dearer, the generator saturates)."""
    return FrameReader if sc.reader_kind == "frames" else Client


async def typing(running: Running, sc: Scenario, seeded: Seeded) -> dict[str, Any]:
    """Writers type, everyone reads. With ``sc.reader_processes`` > 0 the pure readers live in
    that many worker processes (tests/bench/readers.py); the writers stay here, with the
    ledger."""
    workers = min(sc.reader_processes, max(0, sc.clients - sc.writers))
    pool = ReaderPool(workers) if workers else None
    try:
        return await _typing(running, sc, seeded, pool)
    finally:
        if pool is not None:
            await pool.close()


async def _typing(
    running: Running, sc: Scenario, seeded: Seeded, pool: ReaderPool | None
) -> dict[str, Any]:
    drafts = seeded.drafts[: sc.drafts]
    ledger = pool.ledger if pool is not None else Ledger()
    clients = []
    shares: list[list[tuple[str, int]]] = [[] for _ in range(len(pool) if pool else 0)]
    per_draft = [0] * len(drafts)
    for i in range(sc.clients):
        d = i % len(drafts)
        per_draft[d] += 1
        if i < sc.writers:
            code, token = seeded.writers[i]
            client = Client(
                running.url(drafts[d], token), d, ledger, code=code, paragraph=i // len(drafts)
            )
        elif pool is not None:
            shares[(i - sc.writers) % len(pool)].append(
                (running.url(drafts[d], seeded.readers[i]), d)
            )
            continue
        else:
            client = reader_class(sc)(running.url(drafts[d], seeded.readers[i]), d, ledger)
        clients.append(client)
    if pool is not None:
        await pool.check_clock()
    started = time.perf_counter()
    opening = [open_all(clients, CONNECT_PARALLEL, SYNC_TIMEOUT)]
    if pool is not None:
        parallel = max(1, CONNECT_PARALLEL // len(pool))
        opening.append(pool.open(shares, parallel, SYNC_TIMEOUT, sc.reader_kind))
    failures = [f for part in await asyncio.gather(*opening) for f in part]
    connect_s = time.perf_counter() - started
    # The clients live through the window: keep them out of the collector's full passes (one
    # took 100-290 ms in this process, a pause in every server's latency figures alike).
    gc.collect()
    gc.freeze()
    writers = clients[: sc.writers]
    for writer in writers:
        writer.make_writer()
    lag = LoopLag()
    meter = Meter(running, pool.pids if pool is not None else None)
    lag.start()
    if pool is not None:
        await pool.ask_all(("start",))

    async def type_(index: int, writer: Client) -> None:
        count = int(sc.rate * sc.seconds)
        start = time.perf_counter() + index / max(1, len(writers)) / sc.rate
        for k in range(count):
            delay = start + k / sc.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if writer.closed_with is not None:
                return
            await writer.keystroke(sc.amend_every)

    async def missing() -> int:
        return ledger.missing(clients) + (await pool.missing() if pool is not None else 0)

    stalled = await bounded([type_(i, w) for i, w in enumerate(writers)], sc.seconds * 3 + 30)
    typed_s = time.perf_counter() - meter.wall
    deadline = time.monotonic() + DRAIN_SECONDS
    while await missing() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    drained_s = time.perf_counter() - meter.wall
    usage = meter.figures()
    lag.stop()
    remote: list[dict[str, Any]] = await pool.ask_all(("stop",)) if pool is not None else []
    latencies = array("d", ledger.latencies)
    for report in remote:
        latencies.frombytes(report["latencies"])
    late = [Client(running.url(d, seeded.readers[-1 - n]), n, ledger) for n, d in enumerate(drafts)]
    late_failures = await open_all(late, CONNECT_PARALLEL, SYNC_TIMEOUT)
    ok, problems = converged(clients, late, [s for r in remote for s in r["states"]])
    keystrokes = sum(len(w.clocks) for w in ledger.writers)
    delivered = len(latencies)
    expected = sum(len(log.clocks) * (per_draft[log.draft] - 1) for log in ledger.writers)
    lost = ledger.missing(clients) + sum(r["missing"] for r in remote)
    reader_lags = [r["lag_p99_ms"] for r in remote if r["lag_p99_ms"] is not None]
    result = {
        "clients": sc.clients,
        "writers": sc.writers,
        "reader_processes": len(remote),
        "readers": sc.reader_kind,
        "connect_s": round(connect_s, 2),
        "connect_failures": len(failures) + len(late_failures),
        "keystrokes": keystrokes,
        "updates_per_s": round(keystrokes / typed_s, 1),
        "expected_deliveries": expected,
        "deliveries": delivered,
        "deliveries_per_s": round(delivered / drained_s, 1),
        "missing": lost,
        **percentiles(latencies),
        "rejected": sum(len(c.rejected) for c in clients) + sum(r["rejected"] for r in remote),
        "writers_stalled": stalled,
        "converged": ok,
        **connection_trouble(clients, remote),
        **usage,
        "server_cpu_ms_per_1k_deliveries": round(
            1e6 * usage["server_cpu_s"] / max(1, delivered), 1
        ),
        "generator_cpu_ms_per_1k_deliveries": round(
            1e6 * meter.generator_cpu_s / max(1, delivered), 1
        ),
        "generator_lag_p99_ms": percentiles(lag.lags)["p99_ms"],
        "reader_lag_p99_ms": max(reader_lags) if reader_lags else None,
        "marker_fast_slow": "{}/{}".format(
            ledger.fast + sum(r["fast"] for r in remote),
            ledger.slow + sum(r["slow"] for r in remote),
        ),
        "problems": (failures + late_failures)[:5]
        + problems
        + [f"reader worker: {e}" for r in remote for e in r["errors"]][:3],
    }
    result["trustworthy"] = Meter.trustworthy(result)
    await asyncio.gather(*(c.close() for c in [*clients, *late]))
    gc.unfreeze()
    return result


# -- presence -----------------------------------------------------------------------------------


async def presence(running: Running, sc: Scenario, seeded: Seeded) -> dict[str, Any]:
    drafts = seeded.drafts[: sc.drafts]
    ledger = Ledger()
    clients = [
        Client(running.url(drafts[i % len(drafts)], seeded.readers[i]), i % len(drafts), ledger)
        for i in range(sc.clients)
    ]  # fmt: skip
    failures = await open_all(clients, CONNECT_PARALLEL, SYNC_TIMEOUT)
    lag = LoopLag()
    meter = Meter(running)
    lag.start()

    async def beat(index: int, client: Client) -> None:
        start = time.perf_counter() + index / len(clients) / sc.rate
        for k in range(int(sc.rate * sc.seconds)):
            delay = start + k / sc.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if client.closed_with is not None:
                return
            await client.presence()

    stalled = await bounded([beat(i, c) for i, c in enumerate(clients)], sc.seconds * 3 + 30)
    sent_s = time.perf_counter() - meter.wall
    await asyncio.sleep(1.0)  # let the last relays arrive
    usage = meter.figures()
    lag.stop()
    received = sum(c.awareness_in for c in clients)
    per_room = sc.clients / len(drafts)
    result = {
        "clients": sc.clients,
        "rooms": len(drafts),
        "connect_failures": len(failures),
        "awareness_sent_per_s": round(sc.clients * sc.rate * sc.seconds / sent_s, 1),
        "awareness_frames_in_per_s": round(received / usage["window_s"], 1),
        "naive_relay_frames_per_s": round(sc.clients * sc.rate * (per_room - 1), 1),
        "senders_stalled": stalled,
        **connection_trouble(clients),
        **usage,
        "generator_lag_p99_ms": percentiles(lag.lags)["p99_ms"],
        "problems": failures[:5],
    }
    result["trustworthy"] = Meter.trustworthy(result)
    await asyncio.gather(*(c.close() for c in clients))
    return result


# -- join ---------------------------------------------------------------------------------------


async def join_history(running: Running, draft_id: str, token: str, expect: list[str]) -> dict:
    """First full sync of the history draft: the first join (cold for ours: loads from
    storage), then five more one after the other (warm)."""
    times = []
    ok = True
    for _ in range(6):
        client = Client(running.url(draft_id, token), 0, Ledger())
        await open_all([client], 1, SYNC_TIMEOUT)
        times.append(client.sync_seconds)
        ok = ok and client.synced.is_set() and client.paragraph_texts() == expect
        await client.close()
    warm = [t for t in times[1:] if t is not None]
    return {
        "history_first_sync_ms": round(times[0] * 1000, 1) if times[0] else None,
        "history_warm_sync_ms": round(statistics.median(warm) * 1000, 1) if warm else None,
        "history_sync_bytes": client.sync_bytes,
        "history_content_ok": ok,
    }


async def join_big(running: Running, sc: Scenario, draft_id: str, tokens: list[str]) -> dict:
    """``joiners`` clients join the big draft at once (timed to the full step 2 received; only
    the first applies it, to keep the generator's own work out of the figure; with ``frames``
    readers picows assembles each 20 MB frame, not the websockets library)."""
    ledger = Ledger()
    make = reader_class(sc)
    clients = [
        make(running.url(draft_id, tokens[i]), 0, ledger, keep_doc=(i == 0))
        for i in range(sc.joiners)
    ]
    meter = Meter(running)
    before = memory_kib(running.pid)["VmRSS"]
    failures = await open_all(clients, len(clients), SYNC_TIMEOUT)
    usage = meter.figures()
    times = [c.sync_seconds for c in clients if c.sync_seconds is not None]
    pct = percentiles(times)
    result = {
        "big_joiners": sc.joiners,
        "big_sync_bytes": clients[0].sync_bytes,
        "big_sync_p50_ms": pct["p50_ms"],
        "big_sync_max_ms": pct["max_ms"],
        "big_failures": len(failures),
        "big_rss_before_mb": round(before / 1024, 1),
        "big_peak_rss_mb": usage["server_peak_rss_mb"],
        "big_server_cpu_s": usage["server_cpu_s"],
        "big_paragraphs": len(clients[0].paragraph_texts()) if clients[0].synced.is_set() else 0,
        "problems": failures[:3],
    }
    await asyncio.gather(*(c.close() for c in clients))
    return result


# -- one scenario on one server -----------------------------------------------------------------


async def run_on(running: Running, sc: Scenario, seeded: Seeded, states: dict[str, bytes]) -> dict:
    if running.name != "ours":
        await seed_peer(running, states)
    if sc.kind == "typing":
        return await typing(running, sc, seeded)
    if sc.kind == "presence":
        return await presence(running, sc, seeded)
    raise ValueError(sc.kind)
