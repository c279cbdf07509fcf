"""The document outline of a draft version: what every export writes, derived once.

For each paragraph in order: its label, kind and status, its text cut into *pieces* — base text,
a pending insertion of one amendment, or base text one or more pending amendments propose to
delete — its compilation and clean text, and its *notes* (the footnotes of the printed text:
status, reservations, outstanding objections, support). Exporters (`server/exports/`) only lay
this out; nothing here knows a file format.

A paragraph proposed whole (new paragraph, alternative) is inserted by its amendment; a paragraph
that a pending amendment proposes to delete, or that a pending alternative would replace, is
deleted by it — so a reader that accepts every change gets the text as it would be if every
amendment passed (the earliest proposal wins where two compete for the same text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from drafting.brackets import clean, compilation
from drafting.draft import Amendment, Draft, Paragraph, Target
from drafting.runs import Runs, del_ids, ins_id, normalize
from drafting.vocabulary import AmendmentKind, DraftState, ParagraphKind, ParagraphStatus


class Change(StrEnum):
    BASE = "base"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class Piece:
    """A stretch of a paragraph's text and the pending change it belongs to, if any."""

    text: str
    change: Change = Change.BASE
    amendment: str | None = None  # the insertion's owner, or the earliest deleting amendment
    also: tuple[str, ...] = ()  # later amendments that also propose deleting this text


class NoteKind(StrEnum):
    STATUS = "status"
    RESERVATION = "reservation"
    OBJECTION = "objection"
    SUPPORT = "support"


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    text: str
    delegation: str | None = None  # who entered it (reservation, objection)


@dataclass(frozen=True)
class Proposal:
    """A pending amendment as a reader sees it."""

    id: str
    paragraph: str
    label: str
    kind: AmendmentKind
    proposer: str
    proposer_name: str
    created: datetime
    supporters: tuple[str, ...]
    objectors: tuple[str, ...]
    tag: str  # the bracket tag: proposer, then supporters
    inserted: str
    deleted: str


@dataclass(frozen=True)
class ParagraphOutline:
    id: str
    label: str
    kind: ParagraphKind
    status: ParagraphStatus
    pieces: tuple[Piece, ...]
    compilation: str
    clean: str
    notes: tuple[Note, ...]
    inserted_by: str | None  # the pending amendment proposing this whole paragraph
    deleted_by: str | None  # the pending amendment that would remove it (deletion, alternative)


@dataclass(frozen=True)
class Outline:
    draft: str
    title: str
    symbol: str
    state: DraftState
    seq: int
    at: datetime
    paragraphs: tuple[ParagraphOutline, ...]
    proposals: Mapping[str, Proposal]  # pending amendments by id, in order of proposal
    notes: tuple[Note, ...]  # about the whole draft (reservations on the draft)
    names: Mapping[str, str]  # delegation code → name

    def name(self, code: str) -> str:
        return self.names.get(code, code)


STATUS_TEXT = {
    ParagraphStatus.AGREED: "Agreed.",
    ParagraphStatus.AGREED_AD_REF: "Agreed ad referendum",
    ParagraphStatus.UNDER_SILENCE: "Under silence procedure",
}


def tags(draft: Draft) -> dict[str, str]:
    """Each amendment's bracket tag: its proposer, then its supporters (``BRA,ZAF``)."""
    return {a.id: ",".join((a.proposer, *a.supporters)) for a in draft.amendments.values()}


def outline(
    draft: Draft, runs: Mapping[str, Runs], names: Mapping[str, str], at: datetime
) -> Outline:
    """The outline of ``draft`` with the paragraph texts ``runs`` (as they stood at ``at``)."""
    pending = sorted(
        (a for a in draft.amendments.values() if a.pending), key=lambda a: (a.created, a.id)
    )
    proposals = {a.id: _proposal(draft, a, names) for a in pending}
    removers = _removers(draft, pending)
    labels = tags(draft)
    paragraphs = tuple(
        _paragraph(draft, p, runs.get(p.id, ()), labels, names, proposals, removers.get(p.id))
        for p in draft.ordered()
    )
    notes = tuple(
        _reservation(r.delegation, r.text, names, None)
        for r in sorted(draft.reservations.values(), key=lambda r: (r.entered, r.id))
        if r.target.kind == "draft"
    )
    return Outline(
        draft.id,
        draft.title,
        draft.symbol,
        draft.state,
        draft.seq,
        at,
        paragraphs,
        proposals,
        notes,
        dict(names),
    )


def _proposal(draft: Draft, a: Amendment, names: Mapping[str, str]) -> Proposal:
    objectors = tuple(o.delegation for o in draft.outstanding_against(Target("amendment", a.id)))
    paragraph = draft.paragraphs[a.paragraph]
    return Proposal(
        a.id,
        a.paragraph,
        paragraph.label,
        a.kind,
        a.proposer,
        names.get(a.proposer, a.proposer),
        a.created,
        a.supporters,
        objectors,
        ",".join((a.proposer, *a.supporters)),
        a.inserted,
        a.deleted,
    )


def _removers(draft: Draft, pending: list[Amendment]) -> dict[str, str]:
    """Paragraph id → the earliest pending amendment that would remove the paragraph."""
    found: dict[str, str] = {}
    for a in pending:
        if a.kind == AmendmentKind.DELETE_PARAGRAPH:
            found.setdefault(a.paragraph, a.id)
        elif a.kind == AmendmentKind.ALTERNATIVE:
            original = draft.paragraphs[a.paragraph].alternative_to
            if original is not None:
                found.setdefault(original, a.id)
    return found


def pieces_of(runs: Runs, order: Mapping[str, int] | None = None) -> tuple[Piece, ...]:
    """The runs as pieces; a text several amendments delete goes to the earliest in ``order``."""
    rank = order or {}
    out: list[Piece] = []
    for run in normalize(runs):
        owner = ins_id(run.attrs)
        if owner is not None:
            out.append(Piece(run.text, Change.INSERT, owner))
            continue
        marks = sorted(del_ids(run.attrs), key=lambda a: (rank.get(a, len(rank)), a))
        if marks:
            out.append(Piece(run.text, Change.DELETE, marks[0], tuple(marks[1:])))
        else:
            out.append(Piece(run.text))
    return tuple(out)


def _paragraph(
    draft: Draft,
    p: Paragraph,
    runs: Runs,
    labels: Mapping[str, str],
    names: Mapping[str, str],
    proposals: Mapping[str, Proposal],
    remover: str | None,
) -> ParagraphOutline:
    order = {a: i for i, a in enumerate(proposals)}
    pieces = pieces_of(runs, order)
    if remover is not None:  # the whole paragraph would go: its base text is deleted by it
        pieces = tuple(
            Piece(x.text, Change.DELETE, remover) if x.change == Change.BASE else x for x in pieces
        )
    inserted_by = p.proposal if p.proposal in proposals else None
    return ParagraphOutline(
        p.id,
        p.label,
        p.kind,
        p.status,
        pieces,
        compilation(runs, labels),
        clean(runs),
        _notes(draft, p, names, proposals),
        inserted_by,
        remover,
    )


def _who(code: str, names: Mapping[str, str]) -> str:
    name = names.get(code, code)
    return name if name == code else f"{name} ({code})"


def _reservation(code: str, text: str, names: Mapping[str, str], about: str | None) -> Note:
    on = f" on {about}" if about else ""
    return Note(NoteKind.RESERVATION, f"Reservation by {_who(code, names)}{on}: {text}", code)


def _notes(
    draft: Draft, p: Paragraph, names: Mapping[str, str], proposals: Mapping[str, Proposal]
) -> tuple[Note, ...]:
    notes: list[Note] = []
    status = STATUS_TEXT.get(p.status)
    if p.status == ParagraphStatus.AGREED_AD_REF:
        waiting = ", ".join(_who(c, names) for c in sorted(p.ad_ref_pending))
        notes.append(Note(NoteKind.STATUS, f"{status}, pending confirmation by {waiting}."))
    elif p.status == ParagraphStatus.UNDER_SILENCE and p.silence_deadline is not None:
        until = p.silence_deadline.strftime("%d %B %Y, %H:%M %Z").lstrip("0")
        notes.append(Note(NoteKind.STATUS, f"{status} until {until}."))
    elif status is not None:
        notes.append(Note(NoteKind.STATUS, status))
    mine = {a.id for a in draft.amendments.values() if a.paragraph == p.id}
    for r in sorted(draft.reservations.values(), key=lambda r: (r.entered, r.id)):
        if r.target == Target("paragraph", p.id):
            notes.append(_reservation(r.delegation, r.text, names, None))
        elif r.target.kind == "amendment" and r.target.id in mine:
            proposer = draft.amendments[r.target.id].proposer
            notes.append(_reservation(r.delegation, r.text, names, f"the amendment by {proposer}"))
    for o in draft.outstanding_against(Target("paragraph", p.id)):
        reason = f": {o.reason}" if o.reason else ""
        notes.append(
            Note(
                NoteKind.OBJECTION,
                f"Objection by {_who(o.delegation, names)}{reason}",
                o.delegation,
            )
        )
    for proposal in proposals.values():
        if proposal.paragraph != p.id:
            continue
        by = f"Amendment by {_who(proposal.proposer, names)}"
        if proposal.supporters:
            backers = ", ".join(_who(c, names) for c in proposal.supporters)
            notes.append(
                Note(NoteKind.SUPPORT, f"{by}, supported by {backers}.", proposal.proposer)
            )
        for o in draft.outstanding_against(Target("amendment", proposal.id)):
            reason = f": {o.reason}" if o.reason else ""
            notes.append(
                Note(
                    NoteKind.OBJECTION,
                    f"Objection by {_who(o.delegation, names)} to the amendment by "
                    f"{proposal.proposer}{reason}",
                    o.delegation,
                )
            )
    return tuple(notes)
