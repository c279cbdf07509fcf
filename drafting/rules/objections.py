"""Standing "no"s and statements on the record: object, withdraw an objection, reserve."""

from __future__ import annotations

from drafting import commands as cmd
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft
from drafting.errors import DraftingError, ErrorCode
from drafting.rules.guards import new_id, pending_amendment, target
from drafting.vocabulary import ParagraphStatus


def raise_objection(draft: Draft, c: cmd.Object, ctx: Context) -> tuple[ev.Event, ...]:
    """An objection; against a paragraph under silence it breaks the silence, and from a
    delegation an ad referendum agreement waits on, it breaks that agreement."""
    new_id(draft, c.objection, "objection")
    me = ctx.actor.code
    aim = target(draft, c.target)
    if any(o.delegation == me for o in draft.outstanding_against(aim)):
        raise DraftingError(ErrorCode.ALREADY_OBJECTED, f"{me} already objects to {aim}")
    objected = ev.ObjectionRaised(c.objection, str(aim), me, c.reason.strip())
    if aim.kind == "amendment":
        amendment = pending_amendment(draft, aim.id)
        if amendment.proposer == me:
            raise DraftingError(ErrorCode.OWN_AMENDMENT, "withdraw your amendment instead")
        return (objected,)
    paragraph = draft.paragraph(aim.id)
    if paragraph.status == ParagraphStatus.UNDER_SILENCE:
        return (ev.SilenceBroken(paragraph.id, me), objected)
    if paragraph.status == ParagraphStatus.AGREED_AD_REF and me in paragraph.ad_ref_pending:
        return (ev.AdReferendumBroken(paragraph.id, me), objected)
    if paragraph.locked:
        raise DraftingError(
            ErrorCode.PARAGRAPH_LOCKED,
            f"{paragraph.label} is agreed; only the Chair can reopen it",
        )
    return (objected,)


def withdraw_objection(
    draft: Draft, c: cmd.WithdrawObjection, ctx: Context
) -> tuple[ev.Event, ...]:
    objection = draft.objection(c.objection)
    if objection.delegation != ctx.actor.code:
        raise DraftingError(
            ErrorCode.FORBIDDEN, f"only {objection.delegation} may withdraw its objection"
        )
    if not objection.outstanding:
        raise DraftingError(
            ErrorCode.NOT_OUTSTANDING, f"objection {c.objection} is {objection.status}"
        )
    return (ev.ObjectionWithdrawn(c.objection),)


def reserve(draft: Draft, c: cmd.Reserve, ctx: Context) -> tuple[ev.Event, ...]:
    """A reservation never blocks; it is allowed at any stage, agreed paragraphs included."""
    new_id(draft, c.reservation, "reservation")
    aim = target(draft, c.target, allow_draft=True)
    if not c.text.strip():
        raise DraftingError(ErrorCode.INVALID, "a reservation needs its text")
    return (ev.ReservationEntered(c.reservation, str(aim), ctx.actor.code, c.text.strip()),)
