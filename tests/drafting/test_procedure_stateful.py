"""Random sessions: any delegation issues any command; DESIGN §3 holds after every step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from drafting import commands as cmd
from drafting.context import Context
from drafting.draft import Target
from drafting.errors import DraftingError
from drafting.procedure import run
from drafting.record import Recorded, replay
from drafting.runs import Runs, apply_delta
from drafting.suggestion import Editor, Violation, check_edit
from drafting.text_effects import NewText, TextEdit, commands_for_edit, site, text_effect
from drafting.vocabulary import AmendmentStatus, DraftState, ParagraphStatus
from tests.drafting.room import ROSTER, Room
from tests.drafting.suggestion_strategies import any_deltas, member_steps

ACTORS = st.sampled_from(sorted(ROSTER))
# The Chair acts often enough for consensus, silence and adoption to happen in short runs.
LIKELY_CHAIR = st.one_of(st.just("CHAIR"), ACTORS)
TEXT = st.sampled_from(["strongly", "all", "", "enhanced cooperation", "coopération renforcée"])


class Session(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.room = Room()
        self.counter = 0
        self.texts: dict[str, Runs] = {}  # each paragraph's text, as the live document has it
        self.locked: dict[str, Runs] = {}  # the text of each locked paragraph when it locked

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def attempt(self, actor: str, command: cmd.Command) -> None:
        """Run a command; a refused one must change nothing at all."""
        before, length = self.room.draft, len(self.room.history)
        try:
            self.room.do(actor, command)
        except DraftingError:
            assert self.room.draft is before
            assert len(self.room.history) == length
            return
        self.show(self.room.history[length:])

    def show(self, recorded: list[Recorded]) -> None:
        """What the server does to the live document after events: the same text effects."""
        for item in recorded:
            effect = text_effect(self.room.state, item.event, lambda p: self.texts.get(p, ()))
            if isinstance(effect, NewText):
                self.texts[effect.paragraph] = effect.runs
            elif isinstance(effect, TextEdit):
                self.texts[effect.paragraph] = apply_delta(
                    self.texts[effect.paragraph], effect.delta
                )

    def pick(self, data: st.DataObject, pool: Any, fallback: str) -> str:
        options = sorted(pool) or [fallback]
        choice: str = data.draw(st.sampled_from([*options, fallback]))
        return choice

    def paragraph(self, data: st.DataObject) -> str:
        return self.pick(data, self.room.state.paragraphs, "nowhere")

    def amendment(self, data: st.DataObject) -> str:
        return self.pick(data, self.room.state.amendments, "nothing")

    def target(self, data: st.DataObject) -> str:
        if data.draw(st.booleans()):
            return "paragraph:" + self.paragraph(data)
        return "amendment:" + self.amendment(data)

    @initialize()
    def create(self) -> None:
        self.room.do("CHAIR", cmd.CreateDraft("d", "Recommendations", "WG/1"))
        for i in range(3):
            self.room.do("SEC", cmd.AddParagraph(f"p{i}", "operative", f"Paragraph {i}."))
        self.show(self.room.history)

    @rule(actor=ACTORS, data=st.data(), text=TEXT, kind=st.sampled_from(["insert", "replace"]))
    def propose(self, actor: str, data: st.DataObject, text: str, kind: str) -> None:
        command = cmd.ProposeAmendment(self.fresh("a"), self.paragraph(data), kind, inserted=text)
        self.attempt(actor, command)

    @rule(actor=ACTORS, data=st.data(), alternative=st.booleans())
    def propose_paragraph(self, actor: str, data: st.DataObject, alternative: bool) -> None:
        where = self.paragraph(data)
        self.attempt(
            actor,
            cmd.ProposeParagraph(
                self.fresh("a"),
                self.fresh("p"),
                "operative",
                "A new paragraph.",
                after=None if alternative else where,
                alternative_to=where if alternative else None,
            ),
        )

    @rule(actor=ACTORS, data=st.data())
    def propose_deletion(self, actor: str, data: st.DataObject) -> None:
        self.attempt(actor, cmd.ProposeParagraphDeletion(self.fresh("a"), self.paragraph(data)))

    @rule(actor=ACTORS, data=st.data(), withdraw=st.booleans())
    def support(self, actor: str, data: st.DataObject, withdraw: bool) -> None:
        amendment = self.amendment(data)
        found = self.room.state.amendments.get(amendment)
        if withdraw and found and found.supporters and data.draw(st.booleans()):
            actor = data.draw(st.sampled_from(found.supporters))
        command = cmd.WithdrawSupport(amendment) if withdraw else cmd.SupportAmendment(amendment)
        self.attempt(actor, command)

    @rule(actor=ACTORS, data=st.data(), own=st.booleans())
    def withdraw_amendment(self, actor: str, data: st.DataObject, own: bool) -> None:
        amendment = self.amendment(data)
        found = self.room.state.amendments.get(amendment)
        self.attempt(found.proposer if own and found else actor, cmd.WithdrawAmendment(amendment))

    @rule(actor=LIKELY_CHAIR, data=st.data())
    def reject(self, actor: str, data: st.DataObject) -> None:
        self.attempt(actor, cmd.RejectAmendment(self.amendment(data)))

    @rule(actor=ACTORS, data=st.data())
    def object(self, actor: str, data: st.DataObject) -> None:
        self.attempt(actor, cmd.Object(self.fresh("o"), self.target(data), "we object"))

    @rule(actor=ACTORS, data=st.data(), own=st.booleans())
    def withdraw_objection(self, actor: str, data: st.DataObject, own: bool) -> None:
        objection = self.pick(data, self.room.state.objections, "none")
        found = self.room.state.objections.get(objection)
        self.attempt(found.delegation if own and found else actor, cmd.WithdrawObjection(objection))

    @rule(actor=ACTORS, data=st.data())
    def reserve(self, actor: str, data: st.DataObject) -> None:
        self.attempt(actor, cmd.Reserve(self.fresh("r"), self.target(data), "our position"))

    @rule(actor=LIKELY_CHAIR, data=st.data())
    def consensus(self, actor: str, data: st.DataObject) -> None:
        self.attempt(actor, cmd.CallConsensus(self.target(data)))

    @rule(actor=LIKELY_CHAIR, data=st.data(), whole=st.booleans())
    def silence(self, actor: str, data: st.DataObject, whole: bool) -> None:
        aim = "draft" if whole else "paragraph:" + self.paragraph(data)
        self.attempt(actor, cmd.StartSilence(aim, self.room.now + timedelta(hours=1)))

    @rule(actor=ACTORS, data=st.data(), minutes=st.sampled_from([0, 30, 90]))
    def expire_silence(self, actor: str, data: st.DataObject, minutes: int) -> None:
        self.room.tick(minutes=minutes)
        self.attempt(actor, cmd.ExpireSilence(self.paragraph(data)))

    @rule(actor=LIKELY_CHAIR, data=st.data(), pending=st.lists(ACTORS, min_size=1, max_size=2))
    def ad_referendum(self, actor: str, data: st.DataObject, pending: list[str]) -> None:
        self.attempt(actor, cmd.AgreeAdReferendum(self.paragraph(data), tuple(pending)))

    @rule(actor=ACTORS, data=st.data(), named=st.booleans())
    def confirm(self, actor: str, data: st.DataObject, named: bool) -> None:
        paragraph = self.paragraph(data)
        found = self.room.state.paragraphs.get(paragraph)
        if named and found and found.ad_ref_pending:
            actor = data.draw(st.sampled_from(sorted(found.ad_ref_pending)))
        self.attempt(actor, cmd.ConfirmAdReferendum(paragraph))

    @rule(actor=ACTORS, data=st.data(), hostile=st.booleans())
    def type_text(self, actor: str, data: st.DataObject, hostile: bool) -> None:
        """An edit judged and applied as the server does: validator, then the record."""
        draft = self.room.state
        live = [p.id for p in draft.ordered()]
        if not live:
            return
        paragraph = data.draw(st.sampled_from(live))
        before = self.texts[paragraph]
        where = site(draft, paragraph)
        known = dict(where.amendments)
        if hostile:
            delta = data.draw(any_deltas(before))
        else:
            delta = data.draw(member_steps(before, actor, known, self.fresh(f"{actor}-"))).delta
        verdict = check_edit(before, delta, Editor(actor, ROSTER[actor].role), where)
        if isinstance(verdict, Violation):
            event("edit reverted by the validator")
            return  # reverted: the text stays as it was
        after = apply_delta(before, delta)
        commands = commands_for_edit(
            draft,
            actor,
            {paragraph: after},
            dict.fromkeys(verdict.new_ids, paragraph),
            verdict.emptied_ids,
        )
        context = Context(ROSTER[actor], self.room.now, ROSTER)
        state = draft
        recorded: list[Recorded] = []
        try:
            for command in commands:
                state, events = run(state, command, context)
                recorded.extend(events)
        except DraftingError:
            event("edit reverted by the procedure")
            return  # the record refused what the edit implies: reverted
        self.room.draft = state
        self.room.history.extend(recorded)
        self.texts[paragraph] = after
        self.show(recorded)
        event("edit kept" + (" (locked text exists)" if self.locked else ""))

    @rule()
    def chair_works_through_the_text(self) -> None:
        """The Chair calls consensus on every pending amendment, then on every paragraph."""
        for amendment in list(self.room.state.amendments.values()):
            if amendment.pending:
                self.attempt("CHAIR", cmd.CallConsensus(f"amendment:{amendment.id}"))
        for paragraph in self.room.state.ordered():
            self.attempt("CHAIR", cmd.CallConsensus(f"paragraph:{paragraph.id}"))

    @rule(actor=LIKELY_CHAIR, data=st.data())
    def reopen(self, actor: str, data: st.DataObject) -> None:
        self.attempt(actor, cmd.Reopen(self.paragraph(data)))

    @rule(actor=LIKELY_CHAIR)
    def adopt(self, actor: str) -> None:
        self.attempt(actor, cmd.Adopt())

    @rule(actor=ACTORS, data=st.data(), take_up=st.booleans())
    def contribution(self, actor: str, data: st.DataObject, take_up: bool) -> None:
        if take_up:
            contribution = self.pick(data, self.room.state.contributions, "none")
            command: cmd.Command = cmd.TakeUpContribution(
                contribution, self.fresh("a"), self.fresh("p"), after=self.paragraph(data)
            )
        else:
            command = cmd.SubmitContribution(self.fresh("c"), "Please add open standards.")
        self.attempt(actor, command)

    @rule(actor=ACTORS, step=st.sampled_from(["ask", "withdraw", "give", "end"]))
    def floor(self, actor: str, step: str) -> None:
        commands: dict[str, cmd.Command] = {
            "ask": cmd.AskForFloor(),
            "withdraw": cmd.WithdrawFloorRequest(),
            "give": cmd.GiveFloor(),
            "end": cmd.EndIntervention(),
        }
        self.attempt(actor, commands[step])

    @invariant()
    def agreed_text_has_no_outstanding_objection_or_pending_amendment(self) -> None:
        draft = self.room.state
        for paragraph in draft.ordered():
            if paragraph.status in (ParagraphStatus.AGREED, ParagraphStatus.AGREED_AD_REF):
                assert not draft.outstanding_against(Target("paragraph", paragraph.id))
                assert not draft.pending_in(paragraph.id)
                assert paragraph.proposal is None

    @invariant()
    def accepted_amendments_have_no_outstanding_objection(self) -> None:
        draft = self.room.state
        for amendment in draft.amendments.values():
            if amendment.status == AmendmentStatus.ACCEPTED:
                assert not draft.outstanding_against(Target("amendment", amendment.id))

    @invariant()
    def adopted_only_when_everything_is_agreed(self) -> None:
        draft = self.room.state
        if draft.state == DraftState.ADOPTED:
            assert all(p.status == ParagraphStatus.AGREED for p in draft.ordered())

    @invariant()
    def objections_only_stand_against_live_targets(self) -> None:
        draft = self.room.state
        for objection in draft.objections.values():
            if objection.outstanding and objection.target.kind == "amendment":
                assert draft.amendments[objection.target.id].pending

    @invariant()
    def locked_paragraphs_keep_their_text(self) -> None:
        for paragraph in self.room.state.ordered():
            if not paragraph.locked:
                self.locked.pop(paragraph.id, None)
            elif paragraph.id in self.locked:
                assert self.texts[paragraph.id] == self.locked[paragraph.id]
            else:
                self.locked[paragraph.id] = self.texts[paragraph.id]

    @invariant()
    def every_pending_amendment_in_the_text_is_on_the_record(self) -> None:
        draft = self.room.state
        for paragraph in draft.ordered():
            for run_ in self.texts[paragraph.id]:
                for key in run_.attrs:
                    ident = run_.attrs[key] if key == "ins" else key.removeprefix("del:")
                    assert draft.amendments[ident].pending, (paragraph.id, ident)

    @invariant()
    def replaying_the_record_gives_the_same_state(self) -> None:
        assert replay(self.room.history) == self.room.draft


TestSession = Session.TestCase
TestSession.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
