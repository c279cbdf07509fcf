"""A scripted negotiation of the demo draft, on a settable clock: the fixture every export test
reads. It goes through the real room (`server.room.Room`), so the record and the kept text
versions are exactly what a server writes.

Between 09:00 and 16:05 on 10 March 2026 (UTC): BRA proposes "strongly" in OP1 (CHN supports),
USA proposes to replace "stable" in OP2 and EU objects, IND proposes to delete "online" in OP5,
RUS objects to OP3 and withdraws, WIKI (observer) sends a written contribution, GBR enters a
reservation on OP6. `midway` is the last event at 12:00, when A1, A2 and A3 are all pending. Then
USA withdraws A2, the Chair accepts A1 and A3, agrees PP1 and OP1 by consensus, puts the rest
under silence; KEN breaks silence on OP4 and withdraws its objection; the silence expires on the
others, the Chair agrees OP4 by consensus and adopts the draft.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pycrdt import Doc

from client.seeding import seed_demo
from drafting import commands as cmd
from drafting import demo
from drafting.delegation import Delegation
from drafting.errors import NoConsensus
from server import room as room_module
from server.drafts import load_record, roster
from server.livedoc import LiveDoc
from server.room import Room
from server.rooms import CLOCK
from server.storage import Storage

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DRAFT = demo.DRAFT_ID


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, hour: int, minute: int = 0, day: int = 10) -> None:
        self.now = datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Negotiated:
    url: str
    midway: int  # the last event at 12:00: three amendments pending
    amendments: dict[str, str]  # "A1" (BRA strongly), "A2" (USA), "A3" (IND) → amendment id
    last: int

    def open(self) -> Storage:
        return Storage.open(self.url)


def paragraph(n: int) -> str:
    return f"par-{n:02d}"


async def _negotiate(storage: Storage, clock: Clock, url: str) -> Negotiated:
    draft, _ = load_record(storage, DRAFT)
    assert draft is not None
    stored = storage.load(DRAFT)
    live = LiveDoc(Doc())
    for update in stored.updates:
        live.doc.apply_update(update.data)
    people = roster(storage)
    room = Room(draft, live, storage, people, last_update_id=stored.last_update_id)

    def who(code: str) -> Delegation:
        return people[code]

    async def do(code: str, command: cmd.Command) -> None:
        await room.execute(command, who(code))

    async def rewrite(code: str, n: int, old: str, new: str) -> str:
        current = "".join(r.text for r in live.runs(paragraph(n)))
        assert old in current, (old, current)
        done = await room.rewrite(paragraph(n), current.replace(old, new, 1), who(code))
        (amendment,) = done.amendments
        return amendment.id

    clock.at(10)
    a1 = await rewrite("BRA", 13, "a stable, secure", "a stable, resilient, secure")
    await do("CHN", cmd.SupportAmendment(a1))
    clock.at(10, 30)
    a2 = await rewrite("USA", 14, "Calls upon", "Encourages")
    await do("EU", cmd.Object("obj-eu", f"amendment:{a2}", "Weakens the call"))
    clock.at(11)
    a3 = await rewrite("IND", 16, "contributions and mappings related", "contributions related")
    await do("RUS", cmd.Object("obj-rus", f"paragraph:{paragraph(15)}", "Needs more work"))
    await do("WIKI", cmd.SubmitContribution("con-wiki", "Mention open knowledge.", None))
    clock.at(12)
    reading = "The United Kingdom reads OP11 as consistent with existing obligations."
    await do("GBR", cmd.Reserve("res-gbr", f"paragraph:{paragraph(17)}", reading))
    midway = room.draft.seq
    clock.at(14)
    with pytest.raises(NoConsensus):  # RUS still objects: the failed call is on the record
        await do("CHAIR", cmd.CallConsensus(f"paragraph:{paragraph(15)}"))
    await do("USA", cmd.WithdrawAmendment(a2))
    await do("RUS", cmd.WithdrawObjection("obj-rus"))
    await do("CHAIR", cmd.CallConsensus(f"amendment:{a1}"))
    await do("CHAIR", cmd.CallConsensus(f"amendment:{a3}"))
    await do("CHAIR", cmd.CallConsensus("paragraph:par-01"))
    await do("CHAIR", cmd.CallConsensus(f"paragraph:{paragraph(13)}"))
    clock.at(15)
    await do("CHAIR", cmd.StartSilence("draft", START + timedelta(days=3)))
    await do("KEN", cmd.Object("obj-ken", f"paragraph:{paragraph(18)}", "Silence broken"))
    await do("KEN", cmd.WithdrawObjection("obj-ken"))
    clock.at(9, day=13)
    for p in room.draft.ordered():
        if p.status == "under_silence":
            await room.execute(cmd.ExpireSilence(p.id), CLOCK)
    await do("CHAIR", cmd.CallConsensus(f"paragraph:{paragraph(18)}"))
    clock.at(9, 30, day=13)
    await do("CHAIR", cmd.Adopt())
    await room.committer.close()
    return Negotiated(url, midway, {"A1": a1, "A2": a2, "A3": a3}, room.draft.seq)


def negotiate(path: Path, monkeypatch: pytest.MonkeyPatch) -> Negotiated:
    clock = Clock()
    monkeypatch.setattr(room_module, "utcnow", clock)
    url = f"sqlite:///{path}"
    storage = Storage.open(url, clock=clock)
    storage.migrate()
    try:
        seed_demo(storage, now=START)
        return asyncio.run(_negotiate(storage, clock, url))
    finally:
        storage.close()
