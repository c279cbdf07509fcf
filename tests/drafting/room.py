"""A small room for tests: a roster, a clock, and a helper that runs commands on a draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from drafting import commands as cmd
from drafting.context import Context
from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.procedure import run
from drafting.record import Recorded
from drafting.vocabulary import Constituency, Role

START = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)

ROSTER = {
    d.code: d
    for d in (
        Delegation("CHAIR", "Chair", Constituency.INTERGOVERNMENTAL, Role.CHAIR),
        Delegation("SEC", "Secretariat", Constituency.INTERGOVERNMENTAL, Role.SECRETARIAT),
        Delegation("BRA", "Brazil", Constituency.MEMBER_STATE, Role.MEMBER),
        Delegation("USA", "United States", Constituency.MEMBER_STATE, Role.MEMBER),
        Delegation("ZAF", "South Africa", Constituency.MEMBER_STATE, Role.MEMBER),
        Delegation("ICC", "International Chamber of Commerce", Constituency.BUSINESS, Role.MEMBER),
        Delegation("OBS", "An observer", Constituency.CIVIL_SOCIETY, Role.OBSERVER),
    )
}


@dataclass
class Room:
    """One draft, its record so far, and a clock the test moves."""

    now: datetime = START
    draft: Draft | None = None
    history: list[Recorded] = field(default_factory=list)

    def do(self, actor: str, command: cmd.Command) -> Draft:
        state, recorded = run(self.draft, command, Context(ROSTER[actor], self.now, ROSTER))
        self.draft = state
        self.history.extend(recorded)
        return state

    def tick(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    @property
    def state(self) -> Draft:
        assert self.draft is not None
        return self.draft


def room_with_paragraphs(*texts: str) -> Room:
    """A draft with operative paragraphs p1, p2… (OP1, OP2…)."""
    room = Room()
    room.do("CHAIR", cmd.CreateDraft("d1", "Recommendations", "WG/2026/CRP.1"))
    for i, text in enumerate(texts, start=1):
        room.do("SEC", cmd.AddParagraph(f"p{i}", "operative", text))
    return room
