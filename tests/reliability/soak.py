"""Soak: reconnect storms over many drafts; memory comes back down and every room unloads.

    .venv/bin/python -m tests.reliability.soak --minutes 30 --drafts 100 --report soak.json

Seeds a database (the benchmark seeding: the demo roster, member delegations that type, one
token per client) with ``--drafts`` drafts, starts one real server process with a short
``IDLE_UNLOAD_SECONDS``, then runs storms until the time is up: ``--clients`` clients at once,
each over one to three sessions back to back (connect with a token, sync, a member types a few
characters in suggestion mode and waits until the server registered its amendment, an
awareness update, a moment of listening), then leaves abruptly (the TCP connection dropped, no
close frame) or cleanly. Between storms a random pause, sometimes longer than the idle unload,
so rooms unload and load again.

The server's RSS (``/proc/<pid>/status``) and loaded rooms (``/healthz``) are sampled all along.
The baseline is taken after the warm-up storms, once every room has unloaded; the end figure
the same way after the last storm. It fails (exit 1) when the end RSS is more than 10 % above
the baseline, when a room is still loaded after the idle delay plus a grace period, when any
client session failed, or when the server logged an error or died. The JSON report holds the
timeline (RSS, rooms, connections), every storm, the counts and the errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pycrdt import Array, Assoc, Doc, Map, Text
from websockets.asyncio.client import ClientConnection, connect

from drafting import commands as cmd
from drafting import demo
from drafting.delegation import Delegation
from drafting.vocabulary import Constituency, Role
from server import wire
from server.drafts import create_draft, register
from server.storage import Storage
from tests.live.server_process import ServerProcess

RSS_TOLERANCE = 0.10
SESSION_TIMEOUT = 30.0
UNLOAD_GRACE = 30.0  # seconds beyond IDLE_UNLOAD_SECONDS for every room to be gone
TOKEN_IN_URL = re.compile(r"token=[^&\s'\"]+")
WORDS = ("promptly", "jointly", "inclusive", "open", "transparent", "digital", "further")


@dataclass
class Options:
    minutes: float = 30.0
    drafts: int = 100
    report: Path | None = None
    clients: int = 150  # per storm
    writers: float = 0.4  # share of the clients that type (members)
    proposals: float = 0.05  # share of typing sessions that propose anew (and withdraw)
    abrupt: float = 0.6  # share of sessions that end by dropping the connection
    warmup_minutes: float | None = None  # default: 10 % of the run
    storms: int | None = None  # a fixed number of storms after the warm-up (smoke test)
    warmup_storms: int = 1  # at least this many storms before the baseline
    idle_unload: float = 5.0
    sample_seconds: float = 2.0
    paragraphs: int = 20
    database_url: str | None = None
    workdir: Path | None = None
    seed: int = 6006


@dataclass
class Counts:
    sessions: int = 0
    opened: int = 0
    synced: int = 0
    failed: int = 0
    typed: int = 0
    acknowledged: int = 0
    withdrawn: int = 0
    revised: int = 0  # words typed into a standing amendment and taken back, both stored
    awareness: int = 0
    abrupt: int = 0
    clean: int = 0


@dataclass
class Soak:
    options: Options
    server: ServerProcess
    drafts: list[str]
    writer_tokens: list[tuple[str, str]]  # (member code, token)
    reader_tokens: list[str]
    started: float = field(default_factory=time.monotonic)
    counts: Counts = field(default_factory=Counts)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    storms: list[dict[str, Any]] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 2)

    def error(self, kind: str, detail: str) -> None:
        detail = TOKEN_IN_URL.sub("token=[redacted]", detail)
        self.errors[kind] += 1
        if len(self.examples) < 50:
            self.examples.append(f"t={self.elapsed()}s {kind}: {detail}")

    # -- one client ---------------------------------------------------------------------------

    def url(self, draft: str, token: str) -> str:
        return f"ws://127.0.0.1:{self.server.port}/drafts/{draft}/sync?token={token}"

    async def session(self, draft: str, token: str, code: str | None) -> None:
        """Connect, sync, (type), awareness, listen a moment, leave; raises on any failure."""
        self.counts.sessions += 1
        ws = await connect(
            self.url(draft, token),
            open_timeout=SESSION_TIMEOUT,
            ping_interval=None,
            max_size=None,
            compression=None,
            close_timeout=2,
        )
        self.counts.opened += 1
        try:
            # A plain Doc: an observer on a shared type would keep it alive for ever (pycrdt
            # holds the callback where Python's garbage collector cannot see the cycle).
            doc: Doc[Any] = Doc()
            await ws.send(wire.sync_frame(wire.SyncType.STEP1, doc.get_state()))
            async with asyncio.timeout(SESSION_TIMEOUT):
                while not await self._frame(ws, doc):
                    pass
                self.counts.synced += 1
                if code is not None:
                    await self._typing(ws, doc, code)
                entry = wire.AwarenessEntry(
                    doc.client_id,
                    1,
                    json.dumps({"user": {"name": code or "reader"}, "cursor": {"at": 0}}),
                )
                await ws.send(wire.awareness_frame(wire.awareness_update([entry])))
                self.counts.awareness += 1
            with contextlib.suppress(TimeoutError):  # listen to the room for a moment
                async with asyncio.timeout(self.rng.uniform(0, 1.5)):
                    while True:
                        await self._frame(ws, doc)
        finally:
            if self.rng.random() < self.options.abrupt:
                self.counts.abrupt += 1
                ws.transport.abort()  # no close frame: the peer just vanishes
            else:
                self.counts.clean += 1
                await ws.close()

    async def _typing(self, ws: ClientConnection, doc: Doc[Any], code: str) -> None:
        """A member's typing. Each member keeps one standing amendment in each of its drafts
        (proposed on its first visit) and types into it, then takes the words back, so the
        drafts stay the same size over the run: growth then means a leak, not data. Now and
        then (``proposals``) it proposes a fresh amendment and withdraws it: the record's
        path, whose events stay in the record (a draft grows a little by those)."""
        standing = self._standing(doc, code)
        if standing is not None and self.rng.random() >= self.options.proposals:
            await self._revise(ws, doc, standing)
            return
        amendment, text = await self._type(ws, doc, code)
        amendments = doc.get("amendments", type=Map)
        while amendment not in amendments:
            await self._frame(ws, doc)
        self.counts.acknowledged += 1
        if standing is None:
            return  # this member's standing amendment in this draft from now on
        await self._untype(ws, doc, text, amendment)
        while amendments[amendment].get("status") != "withdrawn":
            await self._frame(ws, doc)
        self.counts.withdrawn += 1

    def _standing(self, doc: Doc[Any], code: str) -> str | None:
        """The id of this member's pending amendment in the draft, if it has one."""
        amendments = doc.get("amendments", type=Map)
        for ident, entry in amendments.items():
            if isinstance(entry, Map):
                entry = dict(entry)
            if entry.get("proposer") == code and entry.get("status") == "pending":
                return str(ident)
        return None

    async def _revise(self, ws: ClientConnection, doc: Doc[Any], amendment: str) -> None:
        """A word typed inside our standing amendment (before its last character), stored, then
        deleted, stored. Not at its end: another member may be adding an amendment of its own
        right after ours at that moment, and two inserts at one spot are ordered by Yjs client
        id, so theirs could land between our old text and our new word - inside our amendment,
        which the server rightly refuses. Inside our own run nobody else types."""
        text, end = self._inside_end_of(doc, amendment)
        word = " " + self.rng.choice(WORDS)
        before = doc.get_state()
        text.insert(end, word, {"ins": amendment})
        await ws.send(wire.sync_frame(wire.SyncType.UPDATE, doc.get_update(before)))
        self.counts.typed += 1
        where = text.sticky_index(end, Assoc.AFTER)  # others' edits may move our word
        await self._stored(ws, doc)
        start = where.get_index()
        before = doc.get_state()
        del text[start : start + len(word.encode())]
        await ws.send(wire.sync_frame(wire.SyncType.UPDATE, doc.get_update(before)))
        await self._stored(ws, doc)
        self.counts.revised += 1

    def _inside_end_of(self, doc: Doc[Any], amendment: str) -> tuple[Text, int]:
        """The paragraph text holding ``amendment``'s insertion, and the UTF-8 offset just
        before its last character."""
        for paragraph in doc.get("paragraphs", type=Array):
            text = paragraph["text"]
            start, end = 0, None
            for chunk, attrs in text.diff():
                start += len(str(chunk).encode())
                if (attrs or {}).get("ins") == amendment:
                    end = start - len(str(chunk)[-1].encode())
            if end is not None:
                return text, end
        raise RuntimeError(f"amendment {amendment} is not in the text")

    async def _stored(self, ws: ClientConnection, doc: Doc[Any]) -> None:
        """Our last update is judged and stored: the server answers a sync step 1 only once
        everything before it is stored, and tells a refused edit (raised by `_frame`) first."""
        await ws.send(wire.sync_frame(wire.SyncType.STEP1, doc.get_state()))
        while not await self._frame(ws, doc):
            pass

    async def _frame(self, ws: ClientConnection, doc: Doc[Any]) -> bool:
        """Read and apply one frame; True once the first sync step 2 arrived."""
        frame = await ws.recv()
        if isinstance(frame, str):
            raise RuntimeError("a text frame from the server")
        message = wire.parse(frame)
        if isinstance(message, wire.Sync):
            if message.kind == wire.SyncType.STEP1:
                reply = doc.get_update(message.payload)
                await ws.send(wire.sync_frame(wire.SyncType.STEP2, reply))
                return False
            doc.apply_update(message.payload)
            return message.kind == wire.SyncType.STEP2
        if isinstance(message, wire.Ignored) and message.type == wire.MessageType.NOTICE:
            notice = wire.parse_notice(frame)
            if notice.get("type") == "rejected":
                raise RuntimeError(f"edit rejected: {notice}")
        return False

    async def _untype(
        self, ws: ClientConnection, doc: Doc[Any], text: Text, amendment: str
    ) -> None:
        """Delete our own inserted words again (found by their mark; pycrdt counts UTF-8)."""
        start = 0
        for chunk, attrs in text.diff():
            size = len(str(chunk).encode())
            if (attrs or {}).get("ins") == amendment:
                before = doc.get_state()
                del text[start : start + size]
                await ws.send(wire.sync_frame(wire.SyncType.UPDATE, doc.get_update(before)))
                return
            start += size
        raise RuntimeError(f"amendment {amendment} is not in the text")

    async def _type(self, ws: ClientConnection, doc: Doc[Any], code: str) -> tuple[str, Text]:
        """A few characters at the end of a paragraph, as a new amendment of ours."""
        paragraphs = doc.get("paragraphs", type=Array)
        text = paragraphs[self.rng.randrange(len(paragraphs))]["text"]
        assert isinstance(text, Text)
        amendment = f"{code}-{secrets.token_hex(4)}"
        before = doc.get_state()
        text.insert(len(text), " " + self.rng.choice(WORDS), {"ins": amendment})
        await ws.send(wire.sync_frame(wire.SyncType.UPDATE, doc.get_update(before)))
        self.counts.typed += 1
        return amendment, text

    async def client(self, draft: str, token: str, code: str | None, sessions: int) -> None:
        for _ in range(sessions):  # reconnect at once after each drop
            try:
                await self.session(draft, token, code)
            except Exception as error:
                self.counts.failed += 1
                self.error(type(error).__name__, f"{draft}: {str(error)[:200]}")
                return

    # -- storms -------------------------------------------------------------------------------

    async def storm(self) -> None:
        """Every client at once, each on its own token (the server caps connections per token)."""
        started, failed = time.monotonic(), self.counts.failed
        opts = self.options
        writers = self.rng.sample(self.writer_tokens, round(opts.clients * opts.writers))
        readers = self.rng.sample(self.reader_tokens, opts.clients - len(writers))
        people = [(token, code) for code, token in writers] + [(t, None) for t in readers]
        sessions_before = self.counts.sessions
        await asyncio.gather(
            *(
                self.client(
                    self.rng.choice(self.drafts_of(code)), token, code, self.rng.randint(1, 3)
                )
                for token, code in people
            )
        )
        self.storms.append(
            {
                "t": self.elapsed(),
                "clients": len(people),
                "sessions": self.counts.sessions - sessions_before,
                "failed": self.counts.failed - failed,
                "seconds": round(time.monotonic() - started, 2),
            }
        )

    def drafts_of(self, code: str | None) -> list[str]:
        """Readers go anywhere; each member types in its own few drafts (as delegates follow
        their informal groups), so its standing amendments stay few."""
        if code is None:
            return self.drafts
        n = [c for c, _token in self.writer_tokens].index(code)
        mine = self.drafts[n :: len(self.writer_tokens)]
        return mine or [self.drafts[n % len(self.drafts)]]

    async def pause(self) -> None:
        """Sometimes shorter, sometimes longer than the idle unload: rooms stay or go."""
        await asyncio.sleep(self.rng.uniform(0, 2 * self.options.idle_unload))

    # -- watching the server ------------------------------------------------------------------

    def rss_kib(self) -> int:
        assert self.server.process is not None
        status = Path(f"/proc/{self.server.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    async def health(self, http: httpx.AsyncClient) -> list[dict[str, Any]]:
        answer = await http.get(self.server.base_url + "/healthz", timeout=10)
        answer.raise_for_status()
        return list(answer.json()["rooms"])

    async def sample(self, http: httpx.AsyncClient, tag: str = "") -> dict[str, Any]:
        rooms = await self.health(http)
        point: dict[str, Any] = {
            "t": self.elapsed(),
            "rss_kib": self.rss_kib(),
            "rooms": len(rooms),
            "connections": sum(int(r.get("connections", 0)) for r in rooms),
        }
        if tag:
            point["tag"] = tag
        self.timeline.append(point)
        return point

    async def sampler(self, http: httpx.AsyncClient) -> None:
        while True:
            try:
                await self.sample(http)
            except (httpx.HTTPError, OSError, RuntimeError) as error:
                self.error("sampling", repr(error))
            await asyncio.sleep(self.options.sample_seconds)

    async def quiescent(self, http: httpx.AsyncClient, tag: str) -> dict[str, Any]:
        """Wait (with a deadline) until no room is loaded; then the RSS, as the median of a
        few samples. ``rooms`` > 0 in the answer means the deadline passed first."""
        deadline = time.monotonic() + self.options.idle_unload + UNLOAD_GRACE
        waited = time.monotonic()
        rooms = await self.health(http)
        while rooms and time.monotonic() < deadline:
            await asyncio.sleep(0.25)  # polling /healthz, bounded by the deadline
            rooms = await self.health(http)
        unloaded_after = round(time.monotonic() - waited, 2)
        samples = []
        for _ in range(5):
            samples.append(self.rss_kib())
            await asyncio.sleep(0.2)
        point = await self.sample(http, tag)
        return {
            "t": point["t"],
            "rss_kib": sorted(samples)[len(samples) // 2],
            "rooms": [r["draft"] for r in rooms],
            "waited_seconds": unloaded_after,
        }


@dataclass
class Seeded:
    drafts: list[str]
    writers: list[tuple[str, str]]  # (member code, token): one typing client each
    readers: list[str]  # tokens of roster delegations, one per reading client


def seed(database_url: str, *, drafts: int, paragraphs: int, writers: int, readers: int) -> Seeded:
    """The demo roster, ``writers`` more members, ``drafts`` drafts of the demo's texts."""
    storage = Storage.open(database_url)
    try:
        storage.migrate()
        members = [
            Delegation(f"SK{i:03d}", f"Soak member {i}", Constituency.MEMBER_STATE, Role.MEMBER)
            for i in range(writers)
        ]
        tokens = register(storage, [*demo.ROSTER, *members])
        roster = demo.ROSTER
        reader_tokens = [storage.issue_token(roster[i % len(roster)].code) for i in range(readers)]
        texts = [text for _kind, text in demo.PARAGRAPHS]
        secretariat = next(d for d in roster if d.role == Role.SECRETARIAT)
        ids = [f"soak-{n:03d}" for n in range(drafts)]
        now = datetime.now(UTC)
        for draft in ids:
            commands: list[cmd.Command] = [cmd.CreateDraft(draft, f"Soak {draft}", draft.upper())]
            commands += [
                cmd.AddParagraph(f"par-{i:02d}", "operative", texts[i % len(texts)])
                for i in range(paragraphs)
            ]
            create_draft(storage, commands, secretariat, now)
    finally:
        storage.close()
    return Seeded(ids, [(m.code, tokens[m.code]) for m in members], reader_tokens)


def server_log_problems(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if line.startswith(("ERROR", "CRITICAL")) or "Traceback" in line]


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def run(options: Options) -> dict[str, Any]:
    """The whole soak; the report (``report["ok"]`` says whether it passed)."""
    raise_fd_limit()
    workdir = options.workdir or Path(
        tempfile.mkdtemp(prefix="rt-soak-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None)
    )
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = options.database_url or f"sqlite:///{workdir / 'soak.sqlite3'}"
    seeded = seed(
        database_url,
        writers=max(1, round(options.clients * options.writers)),
        drafts=options.drafts,
        paragraphs=options.paragraphs,
        readers=options.clients,
    )
    env = {"IDLE_UNLOAD_SECONDS": str(options.idle_unload)}
    server = ServerProcess(database_url, workdir / "server.log", env).start()
    soak = Soak(
        options,
        server,
        seeded.drafts,
        [(code, token) for code, token in seeded.writers],
        seeded.readers,
        rng=random.Random(options.seed),
    )
    minutes = options.minutes
    warmup = options.warmup_minutes if options.warmup_minutes is not None else minutes / 10
    failures: list[str] = []
    baseline: dict[str, Any] = {}
    end: dict[str, Any] = {}
    async with httpx.AsyncClient() as http:
        sampling = asyncio.get_running_loop().create_task(soak.sampler(http))
        try:
            warm_storms = 0
            while warm_storms < options.warmup_storms or soak.elapsed() < warmup * 60:
                await soak.storm()
                warm_storms += 1
                await soak.pause()
            baseline = await soak.quiescent(http, "baseline")
            if baseline["rooms"]:
                failures.append(f"rooms still loaded after the warm-up: {baseline['rooms']}")
            storms = 0
            while (
                storms < options.storms
                if options.storms is not None
                else soak.elapsed() < minutes * 60
            ):
                await soak.storm()
                storms += 1
                if server.process is None or server.process.poll() is not None:
                    break
                await soak.pause()
            end = await soak.quiescent(http, "end")
        except Exception as error:
            failures.append(f"the soak itself failed: {error!r}")
        finally:
            sampling.cancel()
            alive = server.process is not None and server.process.poll() is None
            server.stop()
    if not alive:
        failures.append("the server process died")
    ratio = end["rss_kib"] / baseline["rss_kib"] if end and baseline else None
    if ratio is not None and ratio > 1 + RSS_TOLERANCE:
        failures.append(
            f"RSS {end['rss_kib']} KiB at the end is {100 * (ratio - 1):.1f} % above the "
            f"post-warm-up {baseline['rss_kib']} KiB (tolerance {100 * RSS_TOLERANCE:.0f} %)"
        )
    if end and end["rooms"]:
        failures.append(f"rooms still loaded at the end: {end['rooms']}")
    if soak.counts.failed:
        failures.append(f"{soak.counts.failed} client sessions failed: {dict(soak.errors)}")
    problems = server_log_problems(server.log_path)
    if problems:
        failures.append(f"the server logged {len(problems)} errors, e.g. {problems[:3]}")
    rss = [p["rss_kib"] for p in soak.timeline]
    report = {
        "ok": not failures,
        "failures": failures,
        "started": datetime.now(UTC).isoformat(),
        "duration_seconds": soak.elapsed(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "database": database_url.split("?")[0],
        "server_log": str(server.log_path),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "rss_kib": {
            "baseline": baseline.get("rss_kib"),
            "end": end.get("rss_kib"),
            "ratio": round(ratio, 4) if ratio is not None else None,
            "peak": max(rss, default=None),
            "min": min(rss, default=None),
        },
        "rooms": {
            "after_warmup": baseline.get("rooms"),
            "at_end": end.get("rooms"),
            "unloaded_within_seconds": end.get("waited_seconds"),
        },
        "baseline": baseline,
        "end": end,
        "connections": asdict(soak.counts),
        "storm_count": len(soak.storms),
        "errors": dict(soak.errors),
        "error_examples": soak.examples,
        "server_log_errors": problems[:20],
        "storms": soak.storms,
        "timeline": soak.timeline,
    }
    if options.report is not None:
        options.report.write_text(json.dumps(report, indent=1))
    return report


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--drafts", type=int, default=100)
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    parser.add_argument("--clients", type=int, default=150, help="clients per storm")
    parser.add_argument("--writers", type=float, default=0.4, help="share of members that type")
    parser.add_argument(
        "--proposals",
        type=float,
        default=0.05,
        help="share of typing sessions that propose a fresh amendment and withdraw it",
    )
    parser.add_argument("--warmup-minutes", type=float, help="default: 10 %% of --minutes")
    parser.add_argument("--idle-unload", type=float, default=5.0, help="IDLE_UNLOAD_SECONDS")
    parser.add_argument("--sample-seconds", type=float, default=2.0)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in the workdir")
    parser.add_argument("--workdir", type=Path, help="database and server log")
    parser.add_argument("--seed", type=int, default=6006)
    args = parser.parse_args(argv)
    return Options(
        minutes=args.minutes,
        drafts=args.drafts,
        report=args.report,
        clients=args.clients,
        writers=args.writers,
        proposals=args.proposals,
        warmup_minutes=args.warmup_minutes,
        idle_unload=args.idle_unload,
        sample_seconds=args.sample_seconds,
        database_url=args.database_url,
        workdir=args.workdir,
        seed=args.seed,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    report = asyncio.run(run(options))
    rss, rooms, counts = report["rss_kib"], report["rooms"], report["connections"]
    print(
        f"soak {'PASSED' if report['ok'] else 'FAILED'} after {report['duration_seconds']:.0f}s, "
        f"{report['storm_count']} storms: {counts['sessions']} sessions, {counts['failed']} "
        f"failed; RSS baseline {rss['baseline']} KiB, end {rss['end']} KiB (ratio "
        f"{rss['ratio']}), peak {rss['peak']} KiB; rooms at end {rooms['at_end']} "
        f"(unloaded within {rooms['unloaded_within_seconds']}s)"
    )
    for failure in report["failures"]:
        print("  FAIL:", failure)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
