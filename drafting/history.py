"""A draft's history: the points of its record where text was settled (DESIGN §6).

Those are the versions people ask for ("the text as agreed this morning"): an amendment accepted
by consensus, a paragraph agreed (by consensus, at the end of silence, or once every delegation
confirmed an ad referendum agreement), a paragraph agreed ad referendum, and the adoption.
Each milestone names its paragraph by the label it had then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from drafting import events as ev
from drafting.draft import Draft
from drafting.record import Recorded, apply

_AGREED_BY = {
    "consensus": "agreed by consensus",
    "silence": "agreed: the silence procedure ended unbroken",
    "ad_referendum": "agreed: every delegation confirmed the ad referendum agreement",
}


@dataclass(frozen=True)
class Milestone:
    seq: int
    at: datetime
    actor: str
    type: str  # the event's type
    paragraph: str | None
    label: str | None
    summary: str


def milestones(history: Iterable[Recorded]) -> tuple[Milestone, ...]:
    """The settling events of ``history``, each with what it settled."""
    out: list[Milestone] = []
    draft: Draft | None = None
    for item in history:
        before, draft = draft, apply(draft, item)
        if before is None:
            continue
        found = _settled(before, item.event)
        if found is not None:
            paragraph, summary = found
            label = before.paragraphs[paragraph].label if paragraph else None
            out.append(
                Milestone(item.seq, item.at, item.actor, item.event.type, paragraph, label, summary)
            )
    return tuple(out)


def _settled(draft: Draft, event: ev.Event) -> tuple[str | None, str] | None:
    if isinstance(event, ev.AmendmentAccepted):
        amendment = draft.amendments[event.amendment]
        label = draft.paragraphs[amendment.paragraph].label
        summary = f"{label}: {amendment.kind.value} by {amendment.proposer} accepted by consensus"
        return amendment.paragraph, summary
    if isinstance(event, ev.ParagraphAgreed):
        label = draft.paragraphs[event.paragraph].label
        return event.paragraph, f"{label} {_AGREED_BY.get(event.by, 'agreed')}"
    if isinstance(event, ev.AgreedAdReferendum):
        label = draft.paragraphs[event.paragraph].label
        pending = ", ".join(event.pending)
        return event.paragraph, f"{label} agreed ad referendum, pending {pending}"
    if isinstance(event, ev.DraftAdopted):
        return None, "the draft is adopted"
    return None
