"""Commands: what a delegation asks for. `drafting.procedure.decide` turns one into events.

Ids of new things (amendments, objections…) are chosen by the caller, so deciding stays pure and
a retried command is recognisable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_SPEAKING_TIME = timedelta(minutes=2)


@dataclass(frozen=True)
class Command:
    pass


@dataclass(frozen=True)
class CreateDraft(Command):
    draft: str
    title: str
    symbol: str


@dataclass(frozen=True)
class AddParagraph(Command):
    paragraph: str
    kind: str
    text: str
    after: str | None = None  # None: at the end
    label: str | None = None  # None: the next free label of its kind
    first: bool = False  # with after=None: at the start instead of the end


@dataclass(frozen=True)
class MoveParagraph(Command):
    paragraph: str
    after: str | None


@dataclass(frozen=True)
class RelabelParagraph(Command):
    paragraph: str
    label: str


@dataclass(frozen=True)
class ProposeAmendment(Command):
    """Propose a change inside a paragraph's text (insert, delete, replace)."""

    amendment: str
    paragraph: str
    kind: str
    inserted: str = ""
    deleted: str = ""


@dataclass(frozen=True)
class ReviseAmendment(Command):
    """The proposer's typing changed what its amendment does (e.g. a deletion became a
    replacement when it typed the new words next to the struck ones)."""

    amendment: str
    kind: str


@dataclass(frozen=True)
class ProposeParagraph(Command):
    """Propose a new paragraph after ``after``, or an alternative to ``alternative_to``."""

    amendment: str
    paragraph: str
    kind: str
    text: str
    after: str | None = None
    alternative_to: str | None = None


@dataclass(frozen=True)
class ProposeParagraphDeletion(Command):
    amendment: str
    paragraph: str


@dataclass(frozen=True)
class SupportAmendment(Command):
    amendment: str


@dataclass(frozen=True)
class WithdrawSupport(Command):
    amendment: str


@dataclass(frozen=True)
class WithdrawAmendment(Command):
    amendment: str


@dataclass(frozen=True)
class RejectAmendment(Command):
    amendment: str


@dataclass(frozen=True)
class Object(Command):
    objection: str
    target: str  # "paragraph:<id>" | "amendment:<id>"
    reason: str


@dataclass(frozen=True)
class WithdrawObjection(Command):
    objection: str


@dataclass(frozen=True)
class Reserve(Command):
    reservation: str
    target: str  # "paragraph:<id>" | "amendment:<id>" | "draft"
    text: str


@dataclass(frozen=True)
class CallConsensus(Command):
    """On an amendment (accept it) or a paragraph (agree it)."""

    target: str


@dataclass(frozen=True)
class StartSilence(Command):
    target: str  # "paragraph:<id>" or "draft" (every paragraph not yet agreed)
    deadline: datetime


@dataclass(frozen=True)
class ExpireSilence(Command):
    paragraph: str


@dataclass(frozen=True)
class AgreeAdReferendum(Command):
    paragraph: str
    pending: tuple[str, ...]


@dataclass(frozen=True)
class ConfirmAdReferendum(Command):
    paragraph: str


@dataclass(frozen=True)
class Reopen(Command):
    paragraph: str


@dataclass(frozen=True)
class Adopt(Command):
    pass


@dataclass(frozen=True)
class SubmitContribution(Command):
    contribution: str
    text: str
    paragraph: str | None = None


@dataclass(frozen=True)
class TakeUpContribution(Command):
    """Turn a written contribution into a proposal: a new paragraph, or the given amendment."""

    contribution: str
    amendment: str
    paragraph: str  # for a new paragraph: the new paragraph's id; else the amended paragraph
    kind: str = "new_paragraph"  # or insert/delete/replace, with inserted/deleted below
    after: str | None = None
    inserted: str = ""
    deleted: str = ""


@dataclass(frozen=True)
class AskForFloor(Command):
    pass


@dataclass(frozen=True)
class WithdrawFloorRequest(Command):
    pass


@dataclass(frozen=True)
class GiveFloor(Command):
    delegation: str | None = None  # None: the next in the queue
    time_limit: timedelta = DEFAULT_SPEAKING_TIME


@dataclass(frozen=True)
class EndIntervention(Command):
    pass
