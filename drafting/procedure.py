"""The rules of procedure as one table: command → who may issue it → the rule that decides it.

``decide(draft, command, context)`` returns the events the command causes, or raises a
`DraftingError` with a stable code; it never changes anything itself. Everything that governs the
procedure is reachable from `TABLE` (DESIGN §3): a rule that is not here does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drafting import commands as cmd
from drafting import events as ev
from drafting.context import Context
from drafting.draft import Draft
from drafting.errors import DraftingError, ErrorCode, NoConsensus
from drafting.record import Recorded, apply
from drafting.rules import amendments, consensus, floor, objections, paragraphs
from drafting.vocabulary import DraftState, Role

CHAIR = frozenset({Role.CHAIR})
PRESIDING = frozenset({Role.CHAIR, Role.SECRETARIAT})
MEMBERS = frozenset({Role.MEMBER})
PROPOSERS = frozenset({Role.CHAIR, Role.SECRETARIAT, Role.MEMBER})
EVERYONE = frozenset(Role)

Rule = Callable[[Draft, Any, Context], tuple[ev.Event, ...]]


@dataclass(frozen=True)
class Entry:
    roles: frozenset[Role]
    rule: Rule
    after_adoption: bool = False  # still allowed once the draft is adopted


TABLE: dict[type[cmd.Command], Entry] = {
    cmd.AddParagraph: Entry(PRESIDING, paragraphs.add_paragraph),
    cmd.MoveParagraph: Entry(PRESIDING, paragraphs.move_paragraph),
    cmd.RelabelParagraph: Entry(PRESIDING, paragraphs.relabel_paragraph),
    cmd.ProposeAmendment: Entry(PROPOSERS, amendments.propose_amendment),
    cmd.ReviseAmendment: Entry(PROPOSERS, amendments.revise),
    cmd.ProposeParagraph: Entry(PROPOSERS, amendments.propose_paragraph),
    cmd.ProposeParagraphDeletion: Entry(PROPOSERS, amendments.propose_deletion),
    cmd.SupportAmendment: Entry(MEMBERS, amendments.support),
    cmd.WithdrawSupport: Entry(MEMBERS, amendments.withdraw_support),
    cmd.WithdrawAmendment: Entry(PROPOSERS, amendments.withdraw),
    cmd.RejectAmendment: Entry(CHAIR, amendments.reject),
    cmd.Object: Entry(MEMBERS, objections.raise_objection),
    cmd.WithdrawObjection: Entry(MEMBERS, objections.withdraw_objection),
    cmd.Reserve: Entry(MEMBERS, objections.reserve, after_adoption=True),
    cmd.CallConsensus: Entry(CHAIR, consensus.call_consensus),
    cmd.StartSilence: Entry(CHAIR, consensus.start_silence),
    cmd.ExpireSilence: Entry(EVERYONE, consensus.expire_silence),
    cmd.AgreeAdReferendum: Entry(CHAIR, consensus.agree_ad_referendum),
    cmd.ConfirmAdReferendum: Entry(MEMBERS, consensus.confirm_ad_referendum),
    cmd.Reopen: Entry(CHAIR, consensus.reopen),
    cmd.Adopt: Entry(CHAIR, consensus.adopt),
    cmd.SubmitContribution: Entry(EVERYONE, floor.submit_contribution),
    cmd.TakeUpContribution: Entry(PRESIDING, floor.take_up_contribution),
    cmd.AskForFloor: Entry(PROPOSERS, floor.ask_for_floor, after_adoption=True),
    cmd.WithdrawFloorRequest: Entry(PROPOSERS, floor.withdraw_request, after_adoption=True),
    cmd.GiveFloor: Entry(PRESIDING, floor.give_floor, after_adoption=True),
    cmd.EndIntervention: Entry(PROPOSERS, floor.end_intervention, after_adoption=True),
}


def allowed_roles(command: type[cmd.Command]) -> frozenset[Role]:
    """Who may issue a command at all (the rule may still refuse it)."""
    if command is cmd.CreateDraft:
        return PRESIDING
    return TABLE[command].roles


def _forbidden(command: cmd.Command, context: Context) -> DraftingError:
    return DraftingError(
        ErrorCode.FORBIDDEN,
        f"a {context.actor.role} delegation ({context.actor.code}) may not "
        f"{type(command).__name__} here",
    )


def decide(draft: Draft | None, command: cmd.Command, context: Context) -> tuple[ev.Event, ...]:
    """The events ``command`` causes on ``draft``, or a `DraftingError` saying why not."""
    if context.actor.role not in allowed_roles(type(command)):
        raise _forbidden(command, context)
    if isinstance(command, cmd.CreateDraft):
        if draft is not None:
            raise DraftingError(ErrorCode.DRAFT_EXISTS, f"draft {command.draft} already exists")
        if not command.title.strip():
            raise DraftingError(ErrorCode.INVALID, "a draft needs a title")
        return (ev.DraftCreated(command.draft, command.title.strip(), command.symbol.strip()),)
    if draft is None:
        raise DraftingError(ErrorCode.UNKNOWN_DRAFT, "no such draft")
    entry = TABLE[type(command)]
    if draft.state == DraftState.ADOPTED and not entry.after_adoption:
        raise DraftingError(
            ErrorCode.DRAFT_ADOPTED, f"{draft.symbol or draft.title} is adopted and frozen"
        )
    return entry.rule(draft, command, context)


def run(
    draft: Draft | None, command: cmd.Command, context: Context
) -> tuple[Draft, tuple[Recorded, ...]]:
    """Decide ``command`` and fold its events: the new state and the events as recorded."""
    events = decide(draft, command, context)
    seq = draft.seq if draft is not None else 0
    recorded = tuple(
        Recorded(seq + i, context.now, context.actor.code, event)
        for i, event in enumerate(events, start=1)
    )
    state = draft
    for item in recorded:
        state = apply(state, item)
    assert state is not None  # decide never returns no event for a missing draft
    return state, recorded


def record_failed_call(
    draft: Draft, command: cmd.CallConsensus, failure: NoConsensus, context: Context
) -> tuple[Draft, tuple[Recorded, ...]]:
    """A consensus call that found blockers still goes on the record (DESIGN §3: every action
    is an event): one `ConsensusNotReached` naming them, which changes no state."""
    objectors = tuple(sorted({b.delegation for b in failure.blockers if b.delegation}))
    pending = tuple(dict.fromkeys(b.amendment for b in failure.blockers if b.amendment))
    event = ev.ConsensusNotReached(command.target, objectors, pending)
    item = Recorded(draft.seq + 1, context.now, context.actor.code, event)
    return apply(draft, item), (item,)
