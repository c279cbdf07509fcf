"""Proposals and their fate: propose, support, withdraw, reject (DESIGN §3)."""

from __future__ import annotations

from drafting import commands as cmd
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft
from drafting.errors import DraftingError, ErrorCode
from drafting.labels import alternative_label, label_after, next_label
from drafting.rules.guards import base_paragraph, new_id, pending_amendment
from drafting.rules.paragraphs import labels_in_use, paragraph_kind, position
from drafting.vocabulary import AmendmentKind

TEXT_KINDS = (AmendmentKind.INSERT, AmendmentKind.DELETE, AmendmentKind.REPLACE)


def text_amendment(
    draft: Draft,
    c: cmd.ProposeAmendment,
    proposer: str,
    contribution: str | None = None,
) -> ev.AmendmentProposed:
    new_id(draft, c.amendment, "amendment")
    base_paragraph(draft, c.paragraph)
    if c.kind not in TEXT_KINDS:
        kinds = ", ".join(TEXT_KINDS)
        raise DraftingError(ErrorCode.INVALID, f"a text amendment is one of {kinds}")
    return ev.AmendmentProposed(
        c.amendment, c.paragraph, proposer, c.kind, c.inserted, c.deleted, contribution
    )


def paragraph_proposal(
    draft: Draft,
    c: cmd.ProposeParagraph,
    proposer: str,
    contribution: str | None = None,
) -> ev.ParagraphProposed:
    new_id(draft, c.amendment, "amendment")
    new_id(draft, c.paragraph, "paragraph")
    kind = paragraph_kind(c.kind)
    if not c.text.strip():
        raise DraftingError(ErrorCode.INVALID, "a proposed paragraph needs text")
    used = labels_in_use(draft)
    if c.alternative_to is not None:
        original = base_paragraph(draft, c.alternative_to)
        label = alternative_label(original.label, used)
        after: str | None = original.id
    else:
        after = position(draft, c.after)
        if after is None:
            label = next_label(kind, [(p.kind, p.label) for p in draft.ordered()])
        else:
            label = label_after(draft.paragraph(after).label, used)
    return ev.ParagraphProposed(
        c.amendment,
        c.paragraph,
        proposer,
        label,
        kind.value,
        after,
        c.text,
        c.alternative_to,
        contribution,
    )


def propose_amendment(draft: Draft, c: cmd.ProposeAmendment, ctx: Context) -> tuple[ev.Event, ...]:
    return (text_amendment(draft, c, ctx.actor.code),)


def revise(draft: Draft, c: cmd.ReviseAmendment, ctx: Context) -> tuple[ev.Event, ...]:
    amendment = pending_amendment(draft, c.amendment)
    if amendment.proposer != ctx.actor.code:
        raise DraftingError(ErrorCode.FORBIDDEN, f"only {amendment.proposer} may revise it")
    if amendment.kind not in TEXT_KINDS or c.kind not in TEXT_KINDS:
        raise DraftingError(ErrorCode.INVALID, "only text amendments change kind as typed")
    if amendment.kind == c.kind:
        raise DraftingError(ErrorCode.INVALID, f"amendment {c.amendment} is already {c.kind}")
    return (ev.AmendmentRevised(c.amendment, c.kind),)


def propose_paragraph(draft: Draft, c: cmd.ProposeParagraph, ctx: Context) -> tuple[ev.Event, ...]:
    return (paragraph_proposal(draft, c, ctx.actor.code),)


def propose_deletion(
    draft: Draft, c: cmd.ProposeParagraphDeletion, ctx: Context
) -> tuple[ev.Event, ...]:
    new_id(draft, c.amendment, "amendment")
    base_paragraph(draft, c.paragraph)
    return (ev.ParagraphDeletionProposed(c.amendment, c.paragraph, ctx.actor.code),)


def support(draft: Draft, c: cmd.SupportAmendment, ctx: Context) -> tuple[ev.Event, ...]:
    amendment = pending_amendment(draft, c.amendment)
    me = ctx.actor.code
    if amendment.proposer == me:
        raise DraftingError(ErrorCode.OWN_AMENDMENT, "you cannot support your own amendment")
    if me in amendment.supporters:
        raise DraftingError(ErrorCode.ALREADY_SUPPORTED, f"{me} already supports {c.amendment}")
    return (ev.AmendmentSupported(c.amendment, me),)


def withdraw_support(draft: Draft, c: cmd.WithdrawSupport, ctx: Context) -> tuple[ev.Event, ...]:
    amendment = pending_amendment(draft, c.amendment)
    if ctx.actor.code not in amendment.supporters:
        raise DraftingError(ErrorCode.NOT_SUPPORTED, f"you do not support {c.amendment}")
    return (ev.SupportWithdrawn(c.amendment, ctx.actor.code),)


def withdraw(draft: Draft, c: cmd.WithdrawAmendment, ctx: Context) -> tuple[ev.Event, ...]:
    amendment = pending_amendment(draft, c.amendment)
    if amendment.proposer != ctx.actor.code:
        raise DraftingError(
            ErrorCode.FORBIDDEN, f"only {amendment.proposer} may withdraw its amendment"
        )
    return (ev.AmendmentWithdrawn(c.amendment),)


def reject(draft: Draft, c: cmd.RejectAmendment, ctx: Context) -> tuple[ev.Event, ...]:
    pending_amendment(draft, c.amendment)
    return (ev.AmendmentRejected(c.amendment),)
