from __future__ import annotations

from datetime import timedelta

import pytest

from drafting import commands as cmd
from drafting.errors import DraftingError, ErrorCode, NoConsensus
from drafting.vocabulary import AmendmentStatus, DraftState, ParagraphStatus
from tests.drafting.room import Room, room_with_paragraphs


def test_paragraphs_get_labels_of_their_kind_in_order() -> None:
    room = Room()
    room.do("CHAIR", cmd.CreateDraft("d1", "T", "S"))
    room.do("SEC", cmd.AddParagraph("a", "preambular", "Recalling"))
    room.do("SEC", cmd.AddParagraph("b", "operative", "Recommends"))
    room.do("SEC", cmd.AddParagraph("c", "operative", "Invites"))
    assert [(p.id, p.label) for p in room.state.ordered()] == [
        ("a", "PP1"),
        ("b", "OP1"),
        ("c", "OP2"),
    ]


def test_objection_blocks_consensus_until_withdrawn_then_paragraph_locks() -> None:
    room = room_with_paragraphs("We recommend enhanced cooperation.")
    room.do("BRA", cmd.Object("o1", "paragraph:p1", "too vague"))
    with pytest.raises(NoConsensus) as failed:
        room.do("CHAIR", cmd.CallConsensus("paragraph:p1"))
    assert failed.value.code == ErrorCode.NO_CONSENSUS
    assert [b.delegation for b in failed.value.blockers] == ["BRA"]
    assert room.state.paragraph("p1").status == ParagraphStatus.OPEN
    room.do("BRA", cmd.WithdrawObjection("o1"))
    room.do("CHAIR", cmd.CallConsensus("paragraph:p1"))
    assert room.state.paragraph("p1").status == ParagraphStatus.AGREED
    with pytest.raises(DraftingError) as locked:
        room.do("USA", cmd.ProposeAmendment("a1", "p1", "insert", inserted="strongly"))
    assert locked.value.code == ErrorCode.PARAGRAPH_LOCKED


def test_failed_call_names_every_objector_and_every_pending_amendment() -> None:
    room = room_with_paragraphs("We recommend cooperation.")
    room.do("BRA", cmd.ProposeAmendment("a1", "p1", "insert", inserted="strongly"))
    room.do("USA", cmd.ProposeAmendment("a2", "p1", "delete", deleted="cooperation"))
    room.do("ZAF", cmd.Object("o1", "paragraph:p1", "no"))
    room.do("ICC", cmd.Object("o2", "paragraph:p1", "no"))
    before = room.state
    with pytest.raises(NoConsensus) as failed:
        room.do("CHAIR", cmd.CallConsensus("paragraph:p1"))
    blockers = {tuple(b.as_json().items()) for b in failed.value.blockers}
    assert blockers == {
        (("delegation", "ZAF"), ("objection", "o1")),
        (("delegation", "ICC"), ("objection", "o2")),
        (("amendment", "a1"),),
        (("amendment", "a2"),),
    }
    assert room.state == before


def test_amendment_accepted_only_without_objection() -> None:
    room = room_with_paragraphs("We recommend cooperation.")
    room.do("BRA", cmd.ProposeAmendment("a1", "p1", "insert", inserted="strongly"))
    room.do("USA", cmd.Object("o1", "amendment:a1", "no"))
    with pytest.raises(NoConsensus):
        room.do("CHAIR", cmd.CallConsensus("amendment:a1"))
    room.do("USA", cmd.WithdrawObjection("o1"))
    room.do("CHAIR", cmd.CallConsensus("amendment:a1"))
    assert room.state.amendment("a1").status == AmendmentStatus.ACCEPTED


def test_members_support_others_but_not_their_own() -> None:
    room = room_with_paragraphs("Text.")
    room.do("BRA", cmd.ProposeAmendment("a1", "p1", "insert", inserted="x"))
    room.do("ZAF", cmd.SupportAmendment("a1"))
    assert room.state.amendment("a1").supporters == ("ZAF",)
    for actor, code in (("BRA", ErrorCode.OWN_AMENDMENT), ("ZAF", ErrorCode.ALREADY_SUPPORTED)):
        with pytest.raises(DraftingError) as refused:
            room.do(actor, cmd.SupportAmendment("a1"))
        assert refused.value.code == code


@pytest.mark.parametrize(
    ("actor", "command"),
    [
        ("OBS", cmd.Object("o1", "paragraph:p1", "no")),
        ("OBS", cmd.ProposeAmendment("a1", "p1", "insert", inserted="x")),
        ("BRA", cmd.CallConsensus("paragraph:p1")),
        ("SEC", cmd.CallConsensus("paragraph:p1")),
        ("BRA", cmd.AddParagraph("p9", "operative", "x")),
        ("BRA", cmd.Adopt()),
        ("CHAIR", cmd.Object("o1", "paragraph:p1", "no")),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_roles_outside_the_table_are_forbidden(actor: str, command: cmd.Command) -> None:
    room = room_with_paragraphs("Text.")
    with pytest.raises(DraftingError) as refused:
        room.do(actor, command)
    assert refused.value.code == ErrorCode.FORBIDDEN


def test_observer_contribution_becomes_a_proposal_in_its_name() -> None:
    room = room_with_paragraphs("Text.")
    room.do("OBS", cmd.SubmitContribution("c1", "Calls for open standards."))
    room.do("SEC", cmd.TakeUpContribution("c1", "a1", "p2", after="p1"))
    proposal = room.state.amendment("a1")
    assert (proposal.proposer, proposal.contribution) == ("OBS", "c1")
    assert room.state.paragraph("p2").label == "OP1bis"


def test_silence_broken_by_objection_and_agreed_when_unbroken() -> None:
    room = room_with_paragraphs("First.", "Second.")
    room.do("CHAIR", cmd.StartSilence("draft", room.now + timedelta(hours=72)))
    assert {p.status for p in room.state.ordered()} == {ParagraphStatus.UNDER_SILENCE}
    room.do("BRA", cmd.Object("o1", "paragraph:p2", "breaks silence"))
    assert room.state.paragraph("p2").status == ParagraphStatus.OPEN
    with pytest.raises(DraftingError) as early:
        room.do("CHAIR", cmd.ExpireSilence("p1"))
    assert early.value.code == ErrorCode.SILENCE_RUNNING
    room.tick(hours=72)
    room.do("CHAIR", cmd.ExpireSilence("p1"))
    assert room.state.paragraph("p1").status == ParagraphStatus.AGREED
    with pytest.raises(DraftingError) as broken:
        room.do("CHAIR", cmd.ExpireSilence("p2"))
    assert broken.value.code == ErrorCode.NOT_UNDER_SILENCE


def test_ad_referendum_agreed_when_each_named_delegation_confirms() -> None:
    room = room_with_paragraphs("Text.")
    room.do("CHAIR", cmd.AgreeAdReferendum("p1", ("BRA", "USA")))
    room.do("BRA", cmd.ConfirmAdReferendum("p1"))
    assert room.state.paragraph("p1").status == ParagraphStatus.AGREED_AD_REF
    room.do("USA", cmd.ConfirmAdReferendum("p1"))
    assert room.state.paragraph("p1").status == ParagraphStatus.AGREED


def test_ad_referendum_broken_by_a_named_delegations_objection() -> None:
    room = room_with_paragraphs("Text.")
    room.do("CHAIR", cmd.AgreeAdReferendum("p1", ("BRA",)))
    with pytest.raises(DraftingError):
        room.do("ZAF", cmd.Object("o1", "paragraph:p1", "late"))
    room.do("BRA", cmd.Object("o2", "paragraph:p1", "cannot confirm"))
    assert room.state.paragraph("p1").status == ParagraphStatus.OPEN


def test_adoption_needs_every_paragraph_agreed_and_renumbers_labels() -> None:
    room = room_with_paragraphs("One.", "Two.")
    room.do("BRA", cmd.ProposeParagraph("a1", "p3", "operative", "One and a half.", after="p1"))
    room.do("CHAIR", cmd.CallConsensus("amendment:a1"))
    assert room.state.paragraph("p3").label == "OP1bis"
    room.do("CHAIR", cmd.CallConsensus("paragraph:p1"))
    with pytest.raises(DraftingError) as early:
        room.do("CHAIR", cmd.Adopt())
    assert early.value.code == ErrorCode.NOT_ALL_AGREED
    room.do("CHAIR", cmd.CallConsensus("paragraph:p2"))
    room.do("CHAIR", cmd.CallConsensus("paragraph:p3"))
    room.do("CHAIR", cmd.Adopt())
    assert room.state.state == DraftState.ADOPTED
    assert [p.label for p in room.state.ordered()] == ["OP1", "OP2", "OP3"]
    with pytest.raises(DraftingError) as frozen:
        room.do("CHAIR", cmd.Reopen("p1"))
    assert frozen.value.code == ErrorCode.DRAFT_ADOPTED


def test_alternative_wording_replaces_the_original_when_accepted() -> None:
    room = room_with_paragraphs("Original.")
    room.do("USA", cmd.ProposeParagraph("a1", "p2", "operative", "Other.", alternative_to="p1"))
    assert room.state.paragraph("p2").label == "OP1alt"
    with pytest.raises(NoConsensus) as blocked:
        room.do("CHAIR", cmd.CallConsensus("paragraph:p1"))
    assert [b.amendment for b in blocked.value.blockers] == ["a1"]
    room.do("CHAIR", cmd.CallConsensus("amendment:a1"))
    assert [p.id for p in room.state.ordered()] == ["p2"]


def test_rejected_new_paragraph_disappears_and_its_objections_close() -> None:
    room = room_with_paragraphs("One.")
    room.do("BRA", cmd.ProposeParagraph("a1", "p2", "operative", "New.", after="p1"))
    room.do("USA", cmd.Object("o1", "amendment:a1", "no"))
    room.do("CHAIR", cmd.RejectAmendment("a1"))
    assert [p.id for p in room.state.ordered()] == ["p1"]
    assert not room.state.objections["o1"].outstanding


def test_speakers_list_gives_the_floor_in_order_with_a_time_limit() -> None:
    room = room_with_paragraphs("One.")
    room.do("BRA", cmd.AskForFloor())
    room.do("USA", cmd.AskForFloor())
    room.do("CHAIR", cmd.GiveFloor())
    floor = room.state.floor
    assert floor is not None and floor.delegation == "BRA"
    assert floor.ends - floor.started == timedelta(minutes=2)
    room.do("CHAIR", cmd.GiveFloor())
    assert room.state.floor is not None and room.state.floor.delegation == "USA"
    assert room.state.queue == ()
