from __future__ import annotations

from drafting import commands as cmd
from drafting import events as ev
from drafting.runs import Runs, apply_delta, runs_of
from drafting.text_effects import (
    NewText,
    TextEdit,
    commands_for_edit,
    leftover_settlements,
    text_effect,
)
from drafting.vocabulary import AmendmentKind
from tests.drafting.room import room_with_paragraphs

BASE = "We recommend enhanced cooperation."


def test_a_new_id_proposes_an_amendment_of_the_kind_its_marks_show() -> None:
    room = room_with_paragraphs(BASE)
    after = runs_of("We ", ("strongly ", {"ins": "BRA-1"}), "recommend enhanced cooperation.")
    commands = commands_for_edit(room.state, "BRA", {"p1": after}, {"BRA-1": "p1"}, ())
    assert commands == [cmd.ProposeAmendment("BRA-1", "p1", "insert")]


def test_a_deletion_that_gains_new_words_is_revised_into_a_replacement() -> None:
    room = room_with_paragraphs(BASE)
    room.do("BRA", cmd.ProposeAmendment("BRA-1", "p1", "delete"))
    after = runs_of(
        "We recommend ",
        ("enhanced", {"del:BRA-1": True}),
        ("strengthened", {"ins": "BRA-1"}),
        " cooperation.",
    )
    commands = commands_for_edit(room.state, "BRA", {"p1": after}, {}, ())
    assert commands == [cmd.ReviseAmendment("BRA-1", "replace")]
    room.do("BRA", commands[0])
    assert room.state.amendment("BRA-1").kind == AmendmentKind.REPLACE


def test_emptied_own_amendment_is_withdrawn_and_others_are_never_revised() -> None:
    room = room_with_paragraphs(BASE)
    room.do("BRA", cmd.ProposeAmendment("BRA-1", "p1", "insert"))
    room.do("USA", cmd.ProposeAmendment("USA-1", "p1", "insert"))
    after = runs_of(("x", {"del:USA-1": True}), BASE[1:])
    commands = commands_for_edit(room.state, "BRA", {"p1": after}, {}, {"BRA-1"})
    assert commands == [cmd.WithdrawAmendment("BRA-1")]


def test_accepting_makes_inserted_text_base_and_deletes_marked_words() -> None:
    room = room_with_paragraphs(BASE)
    room.do("BRA", cmd.ProposeAmendment("BRA-1", "p1", "replace"))
    room.do("CHAIR", cmd.CallConsensus("amendment:BRA-1"))
    text = runs_of(
        "We recommend ",
        ("enhanced", {"del:BRA-1": True}),
        ("strengthened", {"ins": "BRA-1"}),
        " cooperation.",
    )
    effect = text_effect(room.state, ev.AmendmentAccepted("BRA-1"), lambda p: text)
    assert isinstance(effect, TextEdit)
    assert apply_delta(text, effect.delta) == runs_of("We recommend strengthened cooperation.")


def test_a_proposed_paragraph_arrives_as_its_proposers_insertion() -> None:
    room = room_with_paragraphs(BASE)
    event = ev.ParagraphProposed("a1", "p2", "BRA", "OP1bis", "operative", "p1", "New.")
    assert text_effect(room.state, event, lambda p: ()) == NewText(
        "p2", runs_of(("New.", {"ins": "a1"}))
    )


def test_a_contribution_taken_up_as_a_replacement_is_bracketed_in_the_text() -> None:
    room = room_with_paragraphs(BASE)
    room.do("OBS", cmd.SubmitContribution("c1", "Say strengthened.", "p1"))
    room.do(
        "SEC",
        cmd.TakeUpContribution("c1", "a1", "p1", "replace", inserted="strengthened",
                               deleted="enhanced"),
    )  # fmt: skip
    (event,) = [r.event for r in room.history if isinstance(r.event, ev.AmendmentProposed)]
    text = runs_of(BASE)
    effect = text_effect(room.state, event, lambda p: text)
    assert isinstance(effect, TextEdit)
    assert apply_delta(text, effect.delta) == runs_of(
        "We recommend ",
        ("enhanced", {"del:a1": True}),
        ("strengthened", {"ins": "a1"}),
        " cooperation.",
    )


def test_a_typed_amendment_brings_no_text_of_its_own() -> None:
    room = room_with_paragraphs(BASE)
    room.do("BRA", cmd.ProposeAmendment("BRA-1", "p1", "insert", inserted="x"))
    event = room.history[-1].event
    assert text_effect(room.state, event, lambda p: runs_of(BASE)) is None


def test_marks_of_settled_amendments_left_in_the_text_are_settled_as_the_record_says() -> None:
    room = room_with_paragraphs(BASE)
    room.do("BRA", cmd.ProposeAmendment("BRA-1", "p1", "insert"))
    room.do("USA", cmd.ProposeAmendment("USA-1", "p1", "delete"))
    room.do("ZAF", cmd.ProposeAmendment("ZAF-1", "p1", "insert"))
    room.do("CHAIR", cmd.RejectAmendment("BRA-1"))
    room.do("CHAIR", cmd.CallConsensus("amendment:USA-1"))
    # Text stored by another process while those were decided still carries their marks.
    text = runs_of(
        "We ",
        ("gladly ", {"ins": "BRA-1"}),
        "recommend ",
        ("enhanced ", {"del:USA-1": True}),
        "cooperation",
        (" now", {"ins": "ZAF-1"}),
        ".",
    )
    current = {"p1": text}
    for _ in range(5):
        edits = leftover_settlements(room.state, ["p1"], lambda p: current[p])
        for edit in edits:
            current[edit.paragraph] = apply_delta(current[edit.paragraph], edit.delta)
    assert current["p1"] == runs_of("We recommend cooperation", (" now", {"ins": "ZAF-1"}), ".")
    assert leftover_settlements(room.state, ["p1"], lambda p: current[p]) == []


def test_a_draft_with_no_settled_amendment_is_not_read_for_leftover_marks() -> None:
    room = room_with_paragraphs(BASE)
    room.do("BRA", cmd.ProposeAmendment("BRA-1", "p1", "insert"))

    def unread(paragraph: str) -> Runs:
        raise AssertionError(f"{paragraph} was read: loading a draft would pay for it")

    assert leftover_settlements(room.state, ["p1"], unread) == []
    room.do("CHAIR", cmd.RejectAmendment("BRA-1"))
    marked = runs_of("We ", ("gladly ", {"ins": "BRA-1"}), "recommend.")
    assert leftover_settlements(room.state, ["p1"], lambda p: marked) != []
