"""The record: state is a fold over events (DESIGN §6). ``replay(events)`` rebuilds a draft."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from drafting import events as ev
from drafting.draft import (
    Amendment,
    Contribution,
    Draft,
    Floor,
    Objection,
    Paragraph,
    Reservation,
    Target,
)
from drafting.vocabulary import (
    AmendmentKind,
    AmendmentStatus,
    ContributionStatus,
    DraftState,
    ObjectionStatus,
    ParagraphKind,
    ParagraphStatus,
)


@dataclass(frozen=True)
class Recorded:
    """An event as the record holds it: its place in the sequence, when, and who acted."""

    seq: int
    at: datetime
    actor: str
    event: ev.Event


def _put(mapping: Any, key: str, value: Any) -> dict[str, Any]:
    copy = dict(mapping)
    copy[key] = value
    return copy


def _insert_after(order: tuple[str, ...], item: str, after: str | None) -> tuple[str, ...]:
    rest = tuple(p for p in order if p != item)
    if after is None:
        return (item, *rest)
    i = rest.index(after) + 1
    return (*rest[:i], item, *rest[i:])


def _with_paragraph(draft: Draft, paragraph_id: str, **changes: Any) -> Draft:
    updated = replace(draft.paragraphs[paragraph_id], **changes)
    return replace(draft, paragraphs=_put(draft.paragraphs, paragraph_id, updated))


def _with_amendment(draft: Draft, amendment_id: str, **changes: Any) -> Draft:
    updated = replace(draft.amendments[amendment_id], **changes)
    return replace(draft, amendments=_put(draft.amendments, amendment_id, updated))


def _remove_paragraph(draft: Draft, paragraph_id: str) -> Draft:
    """Gone from the text; proposals inside it are moot and objections to it close."""
    draft = _with_paragraph(draft, paragraph_id, removed=True)
    draft = replace(draft, order=tuple(p for p in draft.order if p != paragraph_id))
    for amendment in draft.pending_in(paragraph_id):
        draft = _with_amendment(draft, amendment.id, status=AmendmentStatus.REJECTED)
        draft = _close_objections(draft, Target("amendment", amendment.id))
    return _close_objections(draft, Target("paragraph", paragraph_id))


def _close_objections(draft: Draft, target: Target) -> Draft:
    objections = dict(draft.objections)
    for objection in draft.outstanding_against(target):
        objections[objection.id] = replace(objection, status=ObjectionStatus.CLOSED)
    return replace(draft, objections=objections)


def _close_amendment(draft: Draft, amendment_id: str, status: AmendmentStatus) -> Draft:
    amendment = draft.amendments[amendment_id]
    draft = _with_amendment(draft, amendment_id, status=status)
    accepted = status == AmendmentStatus.ACCEPTED
    if not accepted:  # an accepted amendment had no outstanding objection to close
        draft = _close_objections(draft, Target("amendment", amendment_id))
    paragraph = draft.paragraphs[amendment.paragraph]
    if amendment.kind in (AmendmentKind.NEW_PARAGRAPH, AmendmentKind.ALTERNATIVE):
        if accepted:
            draft = _with_paragraph(draft, paragraph.id, proposal=None)
            if paragraph.alternative_to:
                draft = _remove_paragraph(draft, paragraph.alternative_to)
        else:
            draft = _remove_paragraph(draft, paragraph.id)
    elif amendment.kind == AmendmentKind.DELETE_PARAGRAPH and accepted:
        draft = _remove_paragraph(draft, paragraph.id)
    return draft


def _agree(draft: Draft, paragraph_id: str) -> Draft:
    return _with_paragraph(
        draft,
        paragraph_id,
        status=ParagraphStatus.AGREED,
        silence_deadline=None,
        ad_ref_pending=frozenset(),
    )


def _reopen(draft: Draft, paragraph_id: str) -> Draft:
    return _with_paragraph(
        draft,
        paragraph_id,
        status=ParagraphStatus.OPEN,
        silence_deadline=None,
        ad_ref_pending=frozenset(),
    )


def _objection_raised(draft: Draft, e: ev.ObjectionRaised, r: Recorded) -> Draft:
    objection = Objection(e.objection, Target.parse(e.target), e.delegation, e.reason, r.at)
    return replace(draft, objections=_put(draft.objections, e.objection, objection))


def _paragraph_proposed(draft: Draft, e: ev.ParagraphProposed, r: Recorded) -> Draft:
    kind = AmendmentKind.ALTERNATIVE if e.alternative_to else AmendmentKind.NEW_PARAGRAPH
    paragraph = Paragraph(
        e.paragraph,
        e.label,
        ParagraphKind(e.kind),
        proposal=e.amendment,
        alternative_to=e.alternative_to,
    )
    amendment = Amendment(
        e.amendment,
        e.paragraph,
        e.proposer,
        kind,
        r.at,
        inserted=e.text,
        contribution=e.contribution,
    )
    return replace(
        draft,
        paragraphs=_put(draft.paragraphs, e.paragraph, paragraph),
        order=_insert_after(draft.order, e.paragraph, e.after),
        amendments=_put(draft.amendments, e.amendment, amendment),
    )


def _adopted(draft: Draft, e: ev.DraftAdopted) -> Draft:
    paragraphs = dict(draft.paragraphs)
    for paragraph_id, label in e.labels:
        paragraphs[paragraph_id] = replace(paragraphs[paragraph_id], label=label)
    return replace(draft, state=DraftState.ADOPTED, paragraphs=paragraphs)


def _silence(draft: Draft, e: ev.SilenceStarted) -> Draft:
    for paragraph_id in e.paragraphs:
        draft = _with_paragraph(
            draft, paragraph_id, status=ParagraphStatus.UNDER_SILENCE, silence_deadline=e.deadline
        )
    return draft


FOLD: dict[type[ev.Event], Callable[[Draft, Any, Recorded], Draft]] = {
    ev.ParagraphAdded: lambda d, e, r: replace(
        d,
        paragraphs=_put(
            d.paragraphs, e.paragraph, Paragraph(e.paragraph, e.label, ParagraphKind(e.kind))
        ),
        order=_insert_after(d.order, e.paragraph, e.after),
    ),
    ev.ParagraphMoved: lambda d, e, r: replace(
        d, order=_insert_after(d.order, e.paragraph, e.after)
    ),
    ev.ParagraphRelabelled: lambda d, e, r: _with_paragraph(d, e.paragraph, label=e.label),
    ev.AmendmentProposed: lambda d, e, r: replace(
        d,
        amendments=_put(
            d.amendments,
            e.amendment,
            Amendment(
                e.amendment,
                e.paragraph,
                e.proposer,
                AmendmentKind(e.kind),
                r.at,
                inserted=e.inserted,
                deleted=e.deleted,
                contribution=e.contribution,
            ),
        ),
    ),
    ev.AmendmentRevised: lambda d, e, r: _with_amendment(
        d, e.amendment, kind=AmendmentKind(e.kind)
    ),
    ev.ParagraphProposed: _paragraph_proposed,
    ev.ParagraphDeletionProposed: lambda d, e, r: replace(
        d,
        amendments=_put(
            d.amendments,
            e.amendment,
            Amendment(e.amendment, e.paragraph, e.proposer, AmendmentKind.DELETE_PARAGRAPH, r.at),
        ),
    ),
    ev.AmendmentSupported: lambda d, e, r: _with_amendment(
        d, e.amendment, supporters=(*d.amendments[e.amendment].supporters, e.delegation)
    ),
    ev.SupportWithdrawn: lambda d, e, r: _with_amendment(
        d,
        e.amendment,
        supporters=tuple(s for s in d.amendments[e.amendment].supporters if s != e.delegation),
    ),
    ev.AmendmentWithdrawn: lambda d, e, r: _close_amendment(
        d, e.amendment, AmendmentStatus.WITHDRAWN
    ),
    ev.AmendmentAccepted: lambda d, e, r: _close_amendment(
        d, e.amendment, AmendmentStatus.ACCEPTED
    ),
    ev.AmendmentRejected: lambda d, e, r: _close_amendment(
        d, e.amendment, AmendmentStatus.REJECTED
    ),
    ev.ObjectionRaised: _objection_raised,
    ev.ObjectionWithdrawn: lambda d, e, r: replace(
        d,
        objections=_put(
            d.objections,
            e.objection,
            replace(d.objections[e.objection], status=ObjectionStatus.WITHDRAWN),
        ),
    ),
    ev.ReservationEntered: lambda d, e, r: replace(
        d,
        reservations=_put(
            d.reservations,
            e.reservation,
            Reservation(e.reservation, Target.parse(e.target), e.delegation, e.text, r.at),
        ),
    ),
    ev.ParagraphAgreed: lambda d, e, r: _agree(d, e.paragraph),
    ev.ConsensusNotReached: lambda d, e, r: d,
    ev.SilenceStarted: lambda d, e, r: _silence(d, e),
    ev.SilenceBroken: lambda d, e, r: _reopen(d, e.paragraph),
    ev.AgreedAdReferendum: lambda d, e, r: _with_paragraph(
        d, e.paragraph, status=ParagraphStatus.AGREED_AD_REF, ad_ref_pending=frozenset(e.pending)
    ),
    ev.AdReferendumConfirmed: lambda d, e, r: _with_paragraph(
        d,
        e.paragraph,
        ad_ref_pending=d.paragraphs[e.paragraph].ad_ref_pending - {e.delegation},
    ),
    ev.AdReferendumBroken: lambda d, e, r: _reopen(d, e.paragraph),
    ev.ParagraphReopened: lambda d, e, r: _reopen(d, e.paragraph),
    ev.DraftAdopted: lambda d, e, r: _adopted(d, e),
    ev.ContributionSubmitted: lambda d, e, r: replace(
        d,
        contributions=_put(
            d.contributions,
            e.contribution,
            Contribution(e.contribution, e.delegation, e.text, e.paragraph, r.at),
        ),
    ),
    ev.ContributionTakenUp: lambda d, e, r: replace(
        d,
        contributions=_put(
            d.contributions,
            e.contribution,
            replace(
                d.contributions[e.contribution],
                status=ContributionStatus.TAKEN_UP,
                amendment=e.amendment,
            ),
        ),
    ),
    ev.FloorRequested: lambda d, e, r: replace(d, queue=(*d.queue, e.delegation)),
    ev.FloorRequestWithdrawn: lambda d, e, r: replace(
        d, queue=tuple(c for c in d.queue if c != e.delegation)
    ),
    ev.FloorGiven: lambda d, e, r: replace(
        d,
        queue=tuple(c for c in d.queue if c != e.delegation),
        floor=Floor(e.delegation, r.at, e.ends),
    ),
    ev.InterventionEnded: lambda d, e, r: replace(d, floor=None),
}


def apply(draft: Draft | None, recorded: Recorded) -> Draft:
    """The draft after one more event."""
    event = recorded.event
    if isinstance(event, ev.DraftCreated):
        return Draft(event.draft, event.title, event.symbol, seq=recorded.seq)
    if draft is None:
        raise ValueError(f"event {event.type} before the draft was created")
    return replace(FOLD[type(event)](draft, event, recorded), seq=recorded.seq)


def replay(history: Iterable[Recorded]) -> Draft | None:
    """The state the whole record leads to: the same as folding the events one by one."""
    draft: Draft | None = None
    for recorded in history:
        draft = apply(draft, recorded)
    return draft


def unhandled_event_types() -> set[str]:
    """Event types the fold has no rule for (a test keeps this empty)."""
    return {
        cls.type
        for cls in ev.EVENT_TYPES.values()
        if cls not in FOLD and cls is not ev.DraftCreated and dataclasses.is_dataclass(cls)
    }
