"""The speakers' list and written contributions."""

from __future__ import annotations

from drafting import commands as cmd
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft
from drafting.errors import DraftingError, ErrorCode
from drafting.rules.amendments import paragraph_proposal, text_amendment
from drafting.rules.guards import new_id
from drafting.vocabulary import AmendmentKind, ContributionStatus


def ask_for_floor(draft: Draft, c: cmd.AskForFloor, ctx: Context) -> tuple[ev.Event, ...]:
    me = ctx.actor.code
    if me in draft.queue or (draft.floor and draft.floor.delegation == me):
        raise DraftingError(ErrorCode.ALREADY_IN_QUEUE, f"{me} is already on the speakers' list")
    return (ev.FloorRequested(me),)


def withdraw_request(
    draft: Draft, c: cmd.WithdrawFloorRequest, ctx: Context
) -> tuple[ev.Event, ...]:
    if ctx.actor.code not in draft.queue:
        raise DraftingError(ErrorCode.NOT_IN_QUEUE, f"{ctx.actor.code} is not waiting to speak")
    return (ev.FloorRequestWithdrawn(ctx.actor.code),)


def give_floor(draft: Draft, c: cmd.GiveFloor, ctx: Context) -> tuple[ev.Event, ...]:
    """Give the floor to the next in the queue (or a named delegation), ending any intervention."""
    speaker = c.delegation or (draft.queue[0] if draft.queue else None)
    if speaker is None:
        raise DraftingError(ErrorCode.NO_SPEAKER, "nobody is waiting for the floor")
    if speaker not in ctx.roster:
        raise DraftingError(ErrorCode.UNKNOWN_DELEGATION, f"no delegation {speaker}")
    if c.time_limit.total_seconds() <= 0:
        raise DraftingError(ErrorCode.INVALID, "the time limit must be positive")
    ended: tuple[ev.Event, ...] = ()
    if draft.floor is not None:
        ended = (ev.InterventionEnded(draft.floor.delegation),)
    return (*ended, ev.FloorGiven(speaker, ctx.now + c.time_limit))


def end_intervention(draft: Draft, c: cmd.EndIntervention, ctx: Context) -> tuple[ev.Event, ...]:
    if draft.floor is None:
        raise DraftingError(ErrorCode.NO_SPEAKER, "nobody has the floor")
    if not ctx.actor.presides and ctx.actor.code != draft.floor.delegation:
        raise DraftingError(ErrorCode.FORBIDDEN, "only the speaker or the Chair ends it")
    return (ev.InterventionEnded(draft.floor.delegation),)


def submit_contribution(
    draft: Draft, c: cmd.SubmitContribution, ctx: Context
) -> tuple[ev.Event, ...]:
    new_id(draft, c.contribution, "contribution")
    if not c.text.strip():
        raise DraftingError(ErrorCode.INVALID, "a written contribution needs text")
    if c.paragraph is not None:
        draft.paragraph(c.paragraph)
    return (ev.ContributionSubmitted(c.contribution, ctx.actor.code, c.text, c.paragraph),)


def take_up_contribution(
    draft: Draft, c: cmd.TakeUpContribution, ctx: Context
) -> tuple[ev.Event, ...]:
    """The Chair or secretariat turns a contribution into a proposal in its author's name."""
    contribution = draft.contribution(c.contribution)
    if contribution.status != ContributionStatus.SUBMITTED:
        raise DraftingError(
            ErrorCode.ALREADY_TAKEN_UP, f"contribution {c.contribution} is already taken up"
        )
    author = contribution.delegation
    proposal: ev.Event
    if c.kind == AmendmentKind.NEW_PARAGRAPH:
        kind = draft.paragraph(c.after).kind.value if c.after is not None else "plain"
        proposal = paragraph_proposal(
            draft,
            cmd.ProposeParagraph(c.amendment, c.paragraph, kind, contribution.text, c.after),
            author,
            contribution.id,
        )
    else:
        proposal = text_amendment(
            draft,
            cmd.ProposeAmendment(c.amendment, c.paragraph, c.kind, c.inserted, c.deleted),
            author,
            contribution.id,
        )
    return (ev.ContributionTakenUp(contribution.id, c.amendment), proposal)
