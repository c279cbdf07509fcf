"""Races across two server processes sharing PostgreSQL: every outcome fits one serial history.

1,000 randomized interleavings of objections, withdrawals, consensus calls (and now and then a
reopening) on one paragraph and its amendment, sent concurrently through two real server
processes over the same PostgreSQL schema. Each interleaving gets a fresh paragraph: 50 drafts
of 20 paragraphs, played in ten lanes at once (a lane plays its drafts one after the other), so
the processes stay up and each draft stays small enough to reload and check quickly. Each
paragraph is seeded with one or two standing objections; half the interleavings first propose
an amendment (propose by rewriting) and maybe object to it, then everything races at once:
withdrawals of standing objections, new objections, one to three consensus calls on the
paragraph or the amendment, sometimes a reopening, each through either process at random.

Per request, only two outcomes are allowed: success, or a typed refusal from the core (409/422
with the core's error code). A 5xx, another status or a dropped connection is a failure.

After each interleaving, the new events of the record (read from the database) are checked
against the core:

- the sequence is gap-free, and every event is claimed by exactly one request that was told it
  succeeded, exactly as it was answered (no phantom, no lost or altered success);
- replaying them with the core's procedure — re-deciding each recorded command against the
  state before it — gives back exactly the recorded events (a valid serial history);
- no paragraph is agreed and no amendment accepted while an objection recorded before it is
  outstanding;
- every refusal is one the core gives in some state of that interleaving's history (a process
  refusing from a stale view of the record is not serial).

Failures are collected and reported together at the end, by kind, with examples.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from drafting import commands as cmd
from drafting import demo
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft, Target
from drafting.errors import DraftingError, ErrorCode, NoConsensus
from drafting.events import from_record
from drafting.procedure import decide, record_failed_call, run
from drafting.record import Recorded, apply
from server.drafts import SERVER_ORIGIN, register, to_new_event, to_recorded
from server.livedoc import LiveDoc
from server.storage import Storage
from tests.conftest import postgres_schema
from tests.live.server_process import ServerProcess

ROUNDS = int(os.environ.get("RACE_ROUNDS", "1000"))
PARAGRAPHS = 20  # one interleaving per paragraph
DRAFTS = -(-ROUNDS // PARAGRAPHS)
LANES = 10  # played at the same time; a lane plays every LANES-th draft
MEMBERS = ("BRA", "USA", "CHN", "EGY", "IND", "KEN")
TEXT = "Stakeholders should cooperate on public policy"
REWRITTEN = TEXT + " without delay"
CORE_CODES = frozenset(code.value for code in ErrorCode)
ROSTER = {d.code: d for d in demo.ROSTER}


def draft_id(n: int) -> str:
    return f"race-{n:03d}"


def paragraph_id(n: int) -> str:
    return f"p-{n:03d}"


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema on the CI PostgreSQL, dropped afterwards."""
    with postgres_schema(postgres_server, "races") as url:
        yield url


@dataclass
class Cluster:
    servers: list[ServerProcess]
    tokens: dict[str, str] = field(repr=False)  # never in a failure report
    storage: Storage


@pytest.fixture
def two_processes(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    """The demo roster, DRAFTS drafts of PARAGRAPHS paragraphs, and two servers over them."""
    storage = Storage.open(database_url)  # the test reads the stored record through it
    servers: list[ServerProcess] = []
    try:
        storage.migrate()
        tokens = register(storage, demo.ROSTER)
        now = datetime.now(UTC)
        rng = random.Random(66)
        for d in range(DRAFTS):
            commands: list[tuple[str, cmd.Command]] = [
                ("SECRETARIAT", cmd.CreateDraft(draft_id(d), f"Race {d}", ""))
            ]
            for n in range(PARAGRAPHS):
                commands.append(
                    ("SECRETARIAT", cmd.AddParagraph(paragraph_id(n), "operative", TEXT))
                )
                for code in rng.sample(MEMBERS, rng.randint(1, 2)):
                    objection = cmd.Object(f"o-{d}-{n}-{code}", f"paragraph:{paragraph_id(n)}", "")
                    commands.append((code, objection))
            seed_draft(storage, commands, now)
        for name in "ab":
            servers.append(ServerProcess(database_url, tmp_path / f"server-{name}.log").start())
        yield Cluster(servers, tokens, storage)
    finally:
        for server in servers:
            server.stop()
        storage.close()
    for server in servers:
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
        leaked = [code for code, token in tokens.items() if token in log]
        assert not leaked, f"{server.log_path.name} shows the tokens of {leaked}"


def seed_draft(storage: Storage, commands: list[tuple[str, cmd.Command]], now: datetime) -> None:
    """A draft from commands by several delegations, record and document stored together
    (`server.drafts.create_draft`, with an actor per command)."""
    draft: Draft | None = None
    history: list[Recorded] = []
    for actor, command in commands:
        draft, recorded = run(draft, command, Context(ROSTER[actor], now, ROSTER))
        history.extend(recorded)
    assert draft is not None
    live = LiveDoc()
    with live.doc.transaction(origin=SERVER_ORIGIN):
        live.record(draft, history)
    storage.create_draft(draft.title, draft.symbol, draft_id=draft.id)
    state = live.doc.get_update()
    storage.commit(
        draft.id,
        0,
        events=[to_new_event(r) for r in history],
        updates=[(SERVER_ORIGIN, state)],
        versions=[(history[-1].seq, state)],
    )


# -- requests and their outcomes ---------------------------------------------------------------


@dataclass
class Outcome:
    process: int
    code: str  # the acting delegation
    method: str
    path: str
    body: Any
    command: cmd.Command | None  # what the core is asked, to judge a refusal
    status: int | None = None  # None: no HTTP answer (connection dropped, timeout)
    answer: Any = None
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == 200

    @property
    def refused(self) -> bool:
        """A typed refusal of the core: 409/422 with one of its error codes."""
        if self.status not in (409, 422) or not isinstance(self.answer, dict):
            return False
        return self.answer.get("error", {}).get("code") in CORE_CODES

    def describe(self) -> str:
        answer = self.error or str(self.answer)[:300]
        return (
            f"{self.method} {self.path} {self.body or ''} as {self.code} via process "
            f"{'ab'[self.process]} → {self.status}: {answer}"
        )


@dataclass
class Failures:
    kinds: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, detail: str) -> None:
        self.kinds[kind] += 1
        shown = self.examples.setdefault(kind, [])
        if len(shown) < 5:
            shown.append(detail)

    def report(self) -> str:
        lines = []
        for kind, count in self.kinds.most_common():
            lines.append(f"{count}x {kind}")
            lines += [f"    e.g. {example}" for example in self.examples[kind]]
        return "\n".join(lines)


@dataclass
class Totals:
    rounds: int = 0
    requests: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_process: Counter[str] = field(default_factory=Counter)
    agreed: int = 0
    accepted: int = 0


class Play:
    """One draft, played one interleaving (one fresh paragraph) after another."""

    def __init__(
        self,
        n: int,
        cluster: Cluster,
        clients: list[httpx.AsyncClient],
        failures: Failures,
        totals: Totals,
    ) -> None:
        self.draft = draft_id(n)
        self.base = f"/api/drafts/{self.draft}"
        self.cluster = cluster
        self.clients = clients
        self.failures = failures
        self.totals = totals
        self.rng = random.Random(6000 + n)
        self.state: Draft | None = None

    async def call(
        self,
        code: str,
        method: str,
        path: str,
        body: Any = None,
        command: cmd.Command | None = None,
    ) -> Outcome:
        process = self.rng.randrange(len(self.clients))
        outcome = Outcome(process, code, method, path, body, command)
        headers = {"Authorization": f"Bearer {self.cluster.tokens[code]}"}
        try:
            answer = await self.clients[process].request(
                method, self.base + path, json=body, headers=headers
            )
        except httpx.HTTPError as error:
            outcome.error = f"{type(error).__name__}: {error}"
            return outcome
        outcome.status = answer.status_code
        try:
            outcome.answer = answer.json()
        except ValueError:
            outcome.answer = answer.text[:300]
        return outcome

    def judge(self, outcome: Outcome) -> None:
        """Only success or a typed refusal of the core is an acceptable answer."""
        self.totals.requests += 1
        self.totals.by_process["ab"[outcome.process]] += 1
        if outcome.succeeded:
            self.totals.outcomes["200"] += 1
        elif outcome.refused:
            self.totals.outcomes[f"{outcome.status} {outcome.answer['error']['code']}"] += 1
        else:
            kind = f"HTTP {outcome.status}" if outcome.status is not None else "no answer"
            code = outcome.answer.get("error", {}).get("code") if outcome.status else None
            self.totals.outcomes[f"{kind} {code or ''}".strip()] += 1
            self.failures.add(f"{kind} ({code or outcome.error.split(':')[0]})", outcome.describe())

    async def record_since(self, after: int) -> list[Recorded]:
        """The stored events after ``after``, read from the database itself."""
        stored = await asyncio.to_thread(self.cluster.storage.events, self.draft, after)
        return [to_recorded(e) for e in stored]

    async def play(self, paragraphs: int) -> None:
        for item in await self.record_since(0):
            self.state = apply(self.state, item)
        for n in range(paragraphs):
            await self.interleaving(paragraph_id(n))
            self.totals.rounds += 1

    async def interleaving(self, paragraph: str) -> None:
        rng = self.rng
        on_paragraph = f"paragraph:{paragraph}"
        setup: list[Outcome] = []
        targets = [on_paragraph]
        proposer = None
        if rng.random() < 0.5:
            proposer = rng.choice(MEMBERS)
            rewrite = await self.call(
                proposer, "POST", f"/paragraphs/{paragraph}/rewrite", {"text": REWRITTEN}
            )
            setup.append(rewrite)
            if rewrite.succeeded and len(rewrite.answer["amendments"]) == 1:
                targets.append(f"amendment:{rewrite.answer['amendments'][0]['id']}")
            elif rewrite.succeeded:
                self.failures.add("rewrite made other than one amendment", rewrite.describe())
        assert self.state is not None
        # one or two objections to the paragraph were seeded with it (fewer requests per round)
        seeded = self.state.outstanding_against(Target("paragraph", paragraph))
        standing = [(o.delegation, o.id) for o in seeded]
        if len(targets) > 1 and rng.random() < 0.5:
            code = rng.choice([m for m in MEMBERS if m != proposer])
            objected = await self.call(code, "POST", "/objections", {"target": targets[1]})
            setup.append(objected)
            if objected.succeeded:
                standing.append((code, objected.answer["id"]))
        for outcome in setup:
            self.judge(outcome)
            if not outcome.succeeded:
                self.failures.add("a sequential set-up step failed", outcome.describe())

        moves = []
        for code, objection in standing:
            if rng.random() < 0.7:
                moves.append(
                    self.call(
                        code,
                        "DELETE",
                        f"/objections/{objection}",
                        command=cmd.WithdrawObjection(objection),
                    )
                )
        for code in rng.sample(MEMBERS, rng.randint(0, 2)):
            aim = rng.choice(targets)
            probe = cmd.Object(f"o-probe{secrets.token_hex(4)}", aim, "")
            moves.append(self.call(code, "POST", "/objections", {"target": aim}, probe))
        for _ in range(rng.randint(1, 3)):
            aim = on_paragraph if rng.random() < 0.6 else rng.choice(targets)
            moves.append(
                self.call("CHAIR", "POST", "/consensus", {"target": aim}, cmd.CallConsensus(aim))
            )
        if rng.random() < 0.2:
            moves.append(
                self.call(
                    "CHAIR",
                    "POST",
                    f"/paragraphs/{paragraph}/reopen",
                    command=cmd.Reopen(paragraph),
                )
            )
        rng.shuffle(moves)
        answers = list(await asyncio.gather(*moves))
        for outcome in answers:
            self.judge(outcome)
        await self.check(paragraph, setup, answers)

    async def check(self, paragraph: str, setup: list[Outcome], moves: list[Outcome]) -> None:
        assert self.state is not None
        before = self.state.seq
        new = await self.record_since(before)
        where = f"{self.draft}/{paragraph}"
        if [r.seq for r in new] != list(range(before + 1, before + 1 + len(new))):
            self.failures.add("a gap in the sequence", f"{where}: {[r.seq for r in new]}")
        by_seq = {r.seq: r for r in new}

        # every event is exactly one success, as answered
        claimed: dict[int, Outcome] = {}
        setup_last = before
        for outcome in (*setup, *moves):
            if not outcome.succeeded:
                continue
            if "events" in outcome.answer:
                seqs = []
                for e in outcome.answer["events"]:
                    found = by_seq.get(e["seq"])
                    if found is None or (found.actor, found.event) != (
                        e["actor"],
                        from_record(e["type"], e["payload"]),
                    ):
                        self.failures.add(
                            "a success is not in the record as answered",
                            f"{where}: {outcome.describe()}",
                        )
                    seqs.append(e["seq"])
            else:  # a rewrite answers with its amendments
                ids = {a["id"] for a in outcome.answer["amendments"]}
                seqs = [
                    r.seq
                    for r in new
                    if isinstance(r.event, ev.AmendmentProposed) and r.event.amendment in ids
                ]
                if len(seqs) != len(ids):
                    self.failures.add(
                        "a rewrite's amendments are not in the record", outcome.describe()
                    )
            for seq in seqs:
                if seq in claimed:
                    self.failures.add("two successes claim one event", f"{where} seq {seq}")
                claimed[seq] = outcome
            if outcome in setup and seqs:
                setup_last = max(setup_last, *seqs)
        # a consensus call answered 409 no_consensus is on the record as ConsensusNotReached
        for outcome in moves:
            if not outcome.refused or not isinstance(outcome.command, cmd.CallConsensus):
                continue
            if outcome.answer["error"]["code"] != "no_consensus":
                continue
            blockers = outcome.answer["error"].get("blockers", [])
            objectors = tuple(sorted({b["delegation"] for b in blockers if "delegation" in b}))
            match = next(
                (
                    r
                    for r in new
                    if r.seq not in claimed
                    and isinstance(r.event, ev.ConsensusNotReached)
                    and r.event.target == outcome.command.target
                    and r.event.objectors == objectors
                ),
                None,
            )
            if match is None:
                self.failures.add(
                    "a failed consensus call is not on the record", f"{where}: {outcome.describe()}"
                )
            else:
                claimed[match.seq] = outcome
        for r in new:
            if r.seq not in claimed:
                self.failures.add(
                    "an event no request was told succeeded (phantom)",
                    f"{where} seq {r.seq} {r.event}",
                )

        # replay with the core's procedure: each recorded command re-decided in turn
        states: list[tuple[int, Draft]] = [(before, self.state)]
        i = 0
        while i < len(new):
            first = new[i]
            command = command_of(first.event)
            context = Context(ROSTER[first.actor], first.at, ROSTER)
            aim = agreement_target(first.event)
            if aim is not None:
                standing = self.state.outstanding_against(aim)
                if standing:
                    self.failures.add(
                        "agreed or accepted over an outstanding earlier objection",
                        f"{where} seq {first.seq} {first.event}: {[o.id for o in standing]}",
                    )
            try:
                if isinstance(first.event, ev.ConsensusNotReached):
                    state, recorded = failed_call(self.state, first.event.target, context)
                elif command is None:
                    raise DraftingError(ErrorCode.INVALID, f"unexpected {first.event.type}")
                else:
                    state, recorded = run(self.state, command, context)
            except DraftingError as error:
                self.failures.add(
                    "the core refuses a recorded event (not a serial history)",
                    f"{where} seq {first.seq} {first.actor} {first.event}: {error.code.value} "
                    f"{error.message}",
                )
                state, recorded = apply(self.state, first), (first,)
            else:
                if tuple(new[i : i + len(recorded)]) != recorded:
                    self.failures.add(
                        "the record differs from what the core decides",
                        f"{where} seq {first.seq}: recorded {new[i : i + len(recorded)]}, "
                        f"decided {recorded}",
                    )
                    state = self.state
                    for item in new[i : i + len(recorded)]:
                        state = apply(state, item)
            for item in recorded:
                if isinstance(item.event, ev.ParagraphAgreed):
                    self.totals.agreed += 1
                elif isinstance(item.event, ev.AmendmentAccepted):
                    self.totals.accepted += 1
            self.state = state
            i += len(recorded)
            states.append((self.state.seq, self.state))

        # every refusal is what the core answers in some state after the set-up
        window = [s for seq, s in states if seq >= setup_last]
        for outcome in moves:
            if not outcome.refused or outcome.command is None:
                continue
            code = outcome.answer["error"]["code"]
            actor = ROSTER[outcome.code]
            if not any(refusal(s, outcome.command, actor) == code for s in window):
                self.failures.add(
                    "a refusal no state of the history gives (stale view?)",
                    f"{where}: {outcome.describe()}; the core answers "
                    f"{[refusal(s, outcome.command, actor) for s in window]} over seqs "
                    f"{[seq for seq, _ in states if seq >= setup_last]}",
                )


def command_of(event: ev.Event) -> cmd.Command | None:
    """The command whose rule gives ``event`` (first of its group)."""
    match event:
        case ev.ObjectionRaised():
            return cmd.Object(event.objection, event.target, event.reason)
        case ev.ObjectionWithdrawn():
            return cmd.WithdrawObjection(event.objection)
        case ev.ParagraphAgreed(by="consensus"):
            return cmd.CallConsensus(f"paragraph:{event.paragraph}")
        case ev.AmendmentAccepted():
            return cmd.CallConsensus(f"amendment:{event.amendment}")
        case ev.ParagraphReopened():
            return cmd.Reopen(event.paragraph)
        case ev.AmendmentProposed():
            return cmd.ProposeAmendment(
                event.amendment, event.paragraph, event.kind, event.inserted, event.deleted
            )
    return None


def agreement_target(event: ev.Event) -> Target | None:
    if isinstance(event, ev.ParagraphAgreed):
        return Target("paragraph", event.paragraph)
    if isinstance(event, ev.AmendmentAccepted):
        return Target("amendment", event.amendment)
    return None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def refusal(state: Draft, command: cmd.Command, actor: Any) -> str | None:
    """The core's error code for ``command`` in ``state``, or None when it would succeed."""
    try:
        decide(state, command, Context(actor, datetime.now(UTC), ROSTER))
    except DraftingError as error:
        return error.code.value
    return None


async def test_two_processes_racing_on_postgresql_keep_a_serial_history(
    two_processes: Cluster,
) -> None:
    started = time.monotonic()
    failures, totals = Failures(), Totals()
    # Idle connections expire before uvicorn's 5 s keep-alive closes them, so that a dropped
    # connection is always the server's doing, never a race over a stale keep-alive.
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=2)
    clients = [
        httpx.AsyncClient(base_url=s.base_url, timeout=60, limits=limits)
        for s in two_processes.servers
    ]
    try:

        async def lane(first: int) -> None:
            for n in range(first, DRAFTS, LANES):
                play = Play(n, two_processes, clients, failures, totals)
                await play.play(min(PARAGRAPHS, ROUNDS - n * PARAGRAPHS))

        await asyncio.gather(*(lane(k) for k in range(LANES)))
    finally:
        for client in clients:
            await client.aclose()
    cpu = []
    for server in two_processes.servers:
        assert server.process is not None and server.process.poll() is None, "a server died"
        cpu.append(f"{cpu_seconds(server.process.pid):.0f}")
    mine = os.times()
    summary = (
        f"{totals.rounds} interleavings, {totals.requests} requests "
        f"({dict(totals.by_process)}) in {time.monotonic() - started:.1f}s "
        f"(CPU s: servers {'+'.join(cpu)}, test {mine.user + mine.system:.0f}); "
        f"{totals.agreed} paragraphs agreed, {totals.accepted} amendments accepted; "
        f"outcomes {dict(totals.outcomes.most_common())}"
    )
    print(summary)
    logged = [server_errors(server.log_path) for server in two_processes.servers]
    assert totals.rounds == ROUNDS
    assert not failures.kinds, f"{summary}\n{failures.report()}\n{''.join(logged)}"
    assert not any(logged), f"the servers logged errors:\n{''.join(logged)}"


def server_errors(log_path: Path, shown: int = 200) -> str:
    """The ERROR records of a server's log, each with what follows it (a traceback, the
    stack dump of a procedure holding its lock too long), at most ``shown`` lines."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    picked: list[str] = []
    for n, line in enumerate(lines):
        if line.startswith("ERROR"):
            picked += lines[n : n + 60]
    if not picked:
        return ""
    return f"--- {log_path.name}\n" + "\n".join(picked[:shown]) + "\n"


def failed_call(state: Draft, target: str, context: Context) -> tuple[Draft, tuple[Recorded, ...]]:
    """What the core records for a consensus call on ``target`` that must fail in ``state``."""
    call = cmd.CallConsensus(target)
    try:
        run(state, call, context)
    except NoConsensus as failure:
        return record_failed_call(state, call, failure, context)
    raise DraftingError(ErrorCode.INVALID, f"consensus on {target} would have been found")
