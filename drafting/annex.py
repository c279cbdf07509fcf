"""The annex of the Chair's report: what the record says happened, counted (DESIGN §6).

Participation by constituency, amendments and objections by delegation, consensus calls and
their outcomes, silence procedures, reservations (explanations of position) and written
contributions — every figure derived from the events up to the version's point. A consensus call
that failed changed nothing but is on the record (`ConsensusNotReached`), with who blocked it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from drafting import events as ev
from drafting.delegation import Delegation
from drafting.draft import Draft, Target
from drafting.record import Recorded
from drafting.vocabulary import AmendmentStatus, Constituency, Role

Labeller = Callable[[str], str]

CONSTITUENCY_NAMES = {
    Constituency.MEMBER_STATE: "Member States",
    Constituency.CIVIL_SOCIETY: "Civil society",
    Constituency.BUSINESS: "Business",
    Constituency.TECHNICAL_ACADEMIC: "Technical and academic community",
    Constituency.INTERGOVERNMENTAL: "Intergovernmental organizations",
}


@dataclass(frozen=True)
class Participation:
    constituency: Constituency
    registered: tuple[str, ...]  # codes of the roster in this constituency (chair/secretariat out)
    took_part: tuple[str, ...]  # those who acted in this draft's record


@dataclass
class Tally:
    """Amendments (and objections) of one delegation."""

    delegation: str
    proposed: int = 0
    accepted: int = 0
    rejected: int = 0
    withdrawn: int = 0
    pending: int = 0
    supported: int = 0  # others' amendments it co-sponsored
    objections: int = 0  # objections raised
    objections_withdrawn: int = 0


@dataclass(frozen=True)
class ConsensusCall:
    seq: int
    at: datetime
    target: str  # "OP7" or "amendment by BRA to OP7"
    outcome: str  # "amendment accepted", "agreed", "agreed ad referendum (pending …)", …


@dataclass(frozen=True)
class Silence:
    seq: int
    started: datetime
    deadline: datetime
    paragraphs: tuple[str, ...]  # labels
    broken: tuple[tuple[str, str], ...] = ()  # (label, delegation code)
    agreed: tuple[str, ...] = ()  # labels agreed at the deadline


@dataclass(frozen=True)
class Statement:
    """A reservation (explanation of position) as entered."""

    at: datetime
    delegation: str
    about: str  # "OP7", "the amendment by BRA to OP7", "the draft"
    text: str


@dataclass(frozen=True)
class Submission:
    at: datetime
    delegation: str
    text: str
    about: str | None  # a paragraph label, or None
    taken_up: bool


@dataclass(frozen=True)
class Annex:
    participation: tuple[Participation, ...]
    tallies: tuple[Tally, ...]  # delegations that proposed, supported or objected, by code
    consensus: tuple[ConsensusCall, ...]
    silences: tuple[Silence, ...]
    reservations: tuple[Statement, ...]
    contributions: tuple[Submission, ...]
    events: int = 0  # how many events the record held
    adopted: datetime | None = None
    totals: Mapping[str, int] = field(default_factory=dict)


def annex(draft: Draft, history: Iterable[Recorded], roster: Mapping[str, Delegation]) -> Annex:
    """The annex for ``draft`` as replayed from ``history`` (the same events)."""
    records = tuple(history)
    label = _labeller(draft)
    tallies: dict[str, Tally] = {}

    def tally(code: str) -> Tally:
        return tallies.setdefault(code, Tally(code))

    for amendment in draft.amendments.values():
        t = tally(amendment.proposer)
        t.proposed += 1
        setattr(t, amendment.status.value, getattr(t, amendment.status.value) + 1)
    consensus: list[ConsensusCall] = []
    silences: list[Silence] = []
    adopted: datetime | None = None
    for r in records:
        e = r.event
        if isinstance(e, ev.AmendmentSupported):
            tally(e.delegation).supported += 1
        elif isinstance(e, ev.ObjectionRaised):
            tally(e.delegation).objections += 1
        elif isinstance(e, ev.ObjectionWithdrawn):
            tally(draft.objection(e.objection).delegation).objections_withdrawn += 1
        elif isinstance(e, ev.AmendmentAccepted):
            consensus.append(ConsensusCall(r.seq, r.at, label(e.amendment), "amendment accepted"))
        elif isinstance(e, ev.ParagraphAgreed) and e.by == "consensus":
            consensus.append(ConsensusCall(r.seq, r.at, label(e.paragraph), "agreed"))
        elif isinstance(e, ev.ConsensusNotReached):
            aim = Target.parse(e.target)
            consensus.append(ConsensusCall(r.seq, r.at, label(aim.id), _not_reached(e, draft)))
        elif isinstance(e, ev.AgreedAdReferendum):
            pending = ", ".join(e.pending)
            outcome = f"agreed ad referendum, pending {pending}"
            consensus.append(ConsensusCall(r.seq, r.at, label(e.paragraph), outcome))
        elif isinstance(e, ev.SilenceStarted):
            labels = tuple(label(p) for p in e.paragraphs)
            silences.append(Silence(r.seq, r.at, e.deadline, labels))
        elif isinstance(e, ev.SilenceBroken | ev.ParagraphAgreed) and silences:
            silences = _silence_outcome(silences, e, label)
        elif isinstance(e, ev.DraftAdopted):
            adopted = r.at
    statuses = [a.status for a in draft.amendments.values()]
    totals = {s.value: statuses.count(s) for s in AmendmentStatus}
    totals["proposed"] = len(statuses)
    return Annex(
        _participation(records, roster),
        tuple(sorted(tallies.values(), key=lambda t: t.delegation)),
        tuple(consensus),
        tuple(silences),
        _reservations(draft, label),
        _contributions(draft, label),
        len(records),
        adopted,
        totals,
    )


def _labeller(draft: Draft) -> Labeller:
    def label(ident: str) -> str:
        if ident in draft.amendments:
            amendment = draft.amendments[ident]
            where = draft.paragraphs[amendment.paragraph].label
            return f"amendment by {amendment.proposer} to {where}"
        paragraph = draft.paragraphs.get(ident)
        return paragraph.label if paragraph is not None else ident

    return label


def _silence_outcome(
    silences: list[Silence], e: ev.SilenceBroken | ev.ParagraphAgreed, label: Labeller
) -> list[Silence]:
    """Attribute a broken silence or an agreement by silence to the latest silence on it."""
    if isinstance(e, ev.ParagraphAgreed) and e.by != "silence":
        return silences
    paragraph = label(e.paragraph)
    for index in range(len(silences) - 1, -1, -1):
        s = silences[index]
        if paragraph not in s.paragraphs:
            continue
        if isinstance(e, ev.SilenceBroken):
            s = replace(s, broken=(*s.broken, (paragraph, e.delegation)))
        else:
            s = replace(s, agreed=(*s.agreed, paragraph))
        return [*silences[:index], s, *silences[index + 1 :]]
    return silences


def _participation(
    records: tuple[Recorded, ...], roster: Mapping[str, Delegation]
) -> tuple[Participation, ...]:
    acted = {r.actor for r in records}
    out = []
    for constituency in Constituency:
        members = sorted(
            d.code
            for d in roster.values()
            if d.constituency == constituency and d.role in (Role.MEMBER, Role.OBSERVER)
        )
        if members:
            out.append(
                Participation(constituency, tuple(members), tuple(c for c in members if c in acted))
            )
    return tuple(out)


def _about(target: Target, label: Labeller) -> str:
    return "the draft" if target.kind == "draft" else label(target.id)


def _reservations(draft: Draft, label: Labeller) -> tuple[Statement, ...]:
    ordered = sorted(draft.reservations.values(), key=lambda r: (r.entered, r.id))
    return tuple(
        Statement(r.entered, r.delegation, _about(r.target, label), r.text) for r in ordered
    )


def _contributions(draft: Draft, label: Labeller) -> tuple[Submission, ...]:
    ordered = sorted(draft.contributions.values(), key=lambda c: (c.submitted, c.id))
    return tuple(
        Submission(
            c.submitted,
            c.delegation,
            c.text,
            label(c.paragraph) if c.paragraph else None,
            c.amendment is not None,
        )
        for c in ordered
    )


def _not_reached(event: ev.ConsensusNotReached, draft: Draft) -> str:
    """ "no consensus: objection from CHN, USA; 2 amendments pending (BRA, KEN)"."""
    parts = []
    if event.objectors:
        parts.append("objection from " + ", ".join(event.objectors))
    if event.pending:
        by = [draft.amendments[a].proposer for a in event.pending if a in draft.amendments]
        count = len(event.pending)
        noun = "amendment" if count == 1 else "amendments"
        parts.append(f"{count} {noun} pending" + (f" ({', '.join(by)})" if by else ""))
    return "no consensus: " + "; ".join(parts) if parts else "no consensus"
