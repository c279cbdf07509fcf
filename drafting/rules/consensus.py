"""How text becomes agreed: consensus calls, silence, ad referendum, reopening, adoption."""

from __future__ import annotations

from drafting import commands as cmd
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft, Paragraph
from drafting.errors import DraftingError, ErrorCode, NoConsensus
from drafting.labels import renumber
from drafting.rules.guards import (
    amendment_blockers,
    paragraph_blockers,
    pending_amendment,
    target,
)
from drafting.vocabulary import ParagraphStatus, Role


def _settled(draft: Draft, paragraph: Paragraph) -> None:
    blockers = paragraph_blockers(draft, paragraph.id)
    if blockers:
        raise NoConsensus(paragraph.label, blockers)


def call_consensus(draft: Draft, c: cmd.CallConsensus, ctx: Context) -> tuple[ev.Event, ...]:
    """Accept an amendment or agree a paragraph — only when nothing blocks it."""
    aim = target(draft, c.target)
    if aim.kind == "amendment":
        amendment = pending_amendment(draft, aim.id)
        blockers = amendment_blockers(draft, amendment.id)
        if blockers:
            raise NoConsensus(f"amendment {amendment.id}", blockers)
        return (ev.AmendmentAccepted(amendment.id),)
    paragraph = draft.paragraph(aim.id)
    if paragraph.status not in (ParagraphStatus.OPEN, ParagraphStatus.UNDER_SILENCE):
        raise DraftingError(
            ErrorCode.PARAGRAPH_LOCKED, f"{paragraph.label} is already {paragraph.status}"
        )
    _settled(draft, paragraph)
    return (ev.ParagraphAgreed(paragraph.id, "consensus"),)


def start_silence(draft: Draft, c: cmd.StartSilence, ctx: Context) -> tuple[ev.Event, ...]:
    """Circulate a paragraph, or every open paragraph of the draft, until ``deadline``."""
    if c.deadline.tzinfo is None:
        raise DraftingError(ErrorCode.INVALID, "the deadline needs a time zone")
    if c.deadline <= ctx.now:
        raise DraftingError(ErrorCode.INVALID, "the deadline must be in the future")
    aim = target(draft, c.target, allow_draft=True)
    if aim.kind == "amendment":
        raise DraftingError(ErrorCode.INVALID, "silence applies to a paragraph or the draft")
    if aim.kind == "paragraph":
        chosen = [draft.paragraph(aim.id)]
        if chosen[0].status != ParagraphStatus.OPEN:
            raise DraftingError(
                ErrorCode.PARAGRAPH_LOCKED, f"{chosen[0].label} is {chosen[0].status}, not open"
            )
    else:
        chosen = [p for p in draft.ordered() if p.status == ParagraphStatus.OPEN]
        if not chosen:
            raise DraftingError(ErrorCode.INVALID, "no open paragraph to put under silence")
    blockers = tuple(b for p in chosen for b in paragraph_blockers(draft, p.id))
    if blockers:
        raise NoConsensus(str(aim), blockers)
    return (ev.SilenceStarted(tuple(p.id for p in chosen), c.deadline),)


def expire_silence(draft: Draft, c: cmd.ExpireSilence, ctx: Context) -> tuple[ev.Event, ...]:
    """At the deadline, unbroken silence means agreed."""
    paragraph = draft.paragraph(c.paragraph)
    if paragraph.status != ParagraphStatus.UNDER_SILENCE or paragraph.silence_deadline is None:
        raise DraftingError(ErrorCode.NOT_UNDER_SILENCE, f"{paragraph.label} is not under silence")
    if ctx.now < paragraph.silence_deadline:
        raise DraftingError(
            ErrorCode.SILENCE_RUNNING,
            f"silence on {paragraph.label} runs until {paragraph.silence_deadline.isoformat()}",
        )
    _settled(draft, paragraph)
    return (ev.ParagraphAgreed(paragraph.id, "silence"),)


def agree_ad_referendum(
    draft: Draft, c: cmd.AgreeAdReferendum, ctx: Context
) -> tuple[ev.Event, ...]:
    paragraph = draft.paragraph(c.paragraph)
    if paragraph.status != ParagraphStatus.OPEN:
        raise DraftingError(ErrorCode.PARAGRAPH_LOCKED, f"{paragraph.label} is {paragraph.status}")
    pending = tuple(dict.fromkeys(c.pending))
    if not pending:
        raise DraftingError(ErrorCode.INVALID, "name the delegations that must confirm")
    for code in pending:
        member = ctx.roster.get(code)
        if member is None or member.role != Role.MEMBER:
            raise DraftingError(ErrorCode.UNKNOWN_DELEGATION, f"{code} is not a member delegation")
    _settled(draft, paragraph)
    return (ev.AgreedAdReferendum(paragraph.id, pending),)


def confirm_ad_referendum(
    draft: Draft, c: cmd.ConfirmAdReferendum, ctx: Context
) -> tuple[ev.Event, ...]:
    paragraph = draft.paragraph(c.paragraph)
    if paragraph.status != ParagraphStatus.AGREED_AD_REF:
        raise DraftingError(
            ErrorCode.NOT_AD_REFERENDUM, f"{paragraph.label} is not agreed ad referendum"
        )
    me = ctx.actor.code
    if me not in paragraph.ad_ref_pending:
        raise DraftingError(ErrorCode.FORBIDDEN, f"{paragraph.label} does not wait on {me}")
    confirmed: tuple[ev.Event, ...] = (ev.AdReferendumConfirmed(paragraph.id, me),)
    if paragraph.ad_ref_pending == {me}:
        return (*confirmed, ev.ParagraphAgreed(paragraph.id, "ad_referendum"))
    return confirmed


def reopen(draft: Draft, c: cmd.Reopen, ctx: Context) -> tuple[ev.Event, ...]:
    paragraph = draft.paragraph(c.paragraph)
    if paragraph.status == ParagraphStatus.OPEN:
        raise DraftingError(ErrorCode.INVALID, f"{paragraph.label} is already open")
    return (ev.ParagraphReopened(paragraph.id),)


def adopt(draft: Draft, c: cmd.Adopt, ctx: Context) -> tuple[ev.Event, ...]:
    """Nothing is agreed until everything is agreed."""
    paragraphs = draft.ordered()
    waiting = [p.label or p.id for p in paragraphs if p.status != ParagraphStatus.AGREED]
    if waiting or not paragraphs:
        raise DraftingError(
            ErrorCode.NOT_ALL_AGREED,
            "not every paragraph is agreed: " + (", ".join(waiting) or "the draft is empty"),
            paragraphs=waiting,
        )
    labels = renumber([(p.id, p.kind, p.label) for p in paragraphs])
    return (ev.DraftAdopted(tuple(labels.items())),)
