from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from drafting.runs import INS, Attrs, Delete, Delta, Insert, Retain, Runs, apply_delta, runs_of
from drafting.settlement import clean_text
from drafting.suggestion import (
    Binding,
    Editor,
    EditVerdict,
    Site,
    Violation,
    ViolationCode,
    check_edit,
    kind_of,
)
from drafting.vocabulary import AmendmentKind, ParagraphStatus, Role
from tests.drafting.suggestion_strategies import (
    KNOWN,
    PARAGRAPH,
    PARAGRAPHS,
    SITE,
    any_deltas,
    member_steps,
    projection,
)

BRA = Editor("BRA", Role.MEMBER)
USA = Editor("USA", Role.MEMBER)
CHAIR = Editor("CHAIR", Role.CHAIR)
SEC = Editor("SEC", Role.SECRETARIAT)
OBS = Editor("OBS", Role.OBSERVER)

TEXT = runs_of(
    "We ",
    ("strongly ", {INS: "bra-1"}),
    "recommend ",
    ("enhanced ", {"del:usa-1": True}),
    ("cooperation", {"del:bra-2": True}),
    " among ",
    ("all ", {INS: "usa-2"}),
    "States.",
)
PLAIN = "We strongly recommend enhanced cooperation among all States."
AMENDMENTS = {
    "bra-1": Binding("BRA", "p1"),
    "bra-2": Binding("BRA", "p1"),
    "usa-1": Binding("USA", "p1"),
    "usa-2": Binding("USA", "p1"),
    "chair-1": Binding("CHAIR", "p1"),
    "bra-old": Binding("BRA", "p1", pending=False),
    "usa-old": Binding("USA", "p1", pending=False),
    "bra-p2": Binding("BRA", "p2"),
}
ARABIC = runs_of("تعزيز ", ("الدولي", {INS: "usa-2"}), " التعاون")
CHINESE = runs_of("加强", ("国际", {"del:usa-1": True}), "合作😀")
FRENCH = runs_of("Élaborer un cadre de ", ("coopération", {INS: "bra-1"}))


def at(fragment: str, text: str = PLAIN) -> int:
    assert fragment in text, fragment
    return text.index(fragment)


def insert(before: str, text: str, attrs: Attrs | None = None) -> Delta:
    return (Retain(at(before)), Insert(text, attrs))


def delete(fragment: str) -> Delta:
    return (Retain(at(fragment)), Delete(len(fragment)))


def reformat(fragment: str, attrs: Attrs) -> Delta:
    return (Retain(at(fragment)), Retain(len(fragment), attrs))


@dataclass(frozen=True)
class Case:
    editor: Editor
    delta: Delta
    code: ViolationCode | None = None
    new: frozenset[str] = frozenset()
    emptied: frozenset[str] = frozenset()
    status: ParagraphStatus = ParagraphStatus.OPEN
    before: Runs = field(default=TEXT)


V = ViolationCode
NEW = {INS: "bra-3"}
CASES = {
    # members: insertions
    "member_inserts_with_own_new_id": Case(
        BRA, insert("recommend", "urgently ", NEW), new=frozenset({"bra-3"})
    ),
    "member_extends_own_pending_insertion": Case(BRA, insert("strongly", "very ", {INS: "bra-1"})),
    "member_inserts_plain_text": Case(BRA, insert("recommend", "urgently "), V.BASE_TEXT_INSERTED),
    "member_forges_another_delegations_ins_id": Case(
        BRA, insert("recommend", "not ", {INS: "usa-2"}), V.FORGED_AMENDMENT
    ),
    "member_inserts_next_to_another_insertion": Case(
        BRA, insert("States", "the ", NEW), new=frozenset({"bra-3"})
    ),
    "member_types_inside_another_insertion": Case(
        BRA, insert("ll ", "x", NEW), V.FOREIGN_AMENDMENT
    ),
    "member_inserts_text_marked_for_deletion": Case(
        BRA, insert("recommend", "x", {INS: "bra-3", "del:bra-3": True}), V.MARK_ON_INSERTION
    ),
    "member_inserts_bold_text": Case(
        BRA, insert("recommend", "x", {INS: "bra-3", "bold": True}), V.FORMATTING_FORBIDDEN
    ),
    "member_inserts_with_an_empty_ins_id": Case(
        BRA, insert("recommend", "x", {INS: ""}), V.FORMATTING_FORBIDDEN
    ),
    "member_inserts_with_a_malformed_new_id": Case(
        BRA, insert("recommend", "x", {INS: "bra 3"}), V.INVALID_AMENDMENT_ID
    ),
    "member_reuses_own_closed_id": Case(
        BRA, insert("recommend", "x", {INS: "bra-old"}), V.CLOSED_AMENDMENT
    ),
    "member_reuses_another_delegations_closed_id": Case(
        BRA, insert("recommend", "x", {INS: "usa-old"}), V.FORGED_AMENDMENT
    ),
    "member_uses_own_id_of_another_paragraph": Case(
        BRA, insert("recommend", "x", {INS: "bra-p2"}), V.OTHER_PARAGRAPH
    ),
    # members: deletions
    "member_deletes_base_text": Case(BRA, delete("recommend"), V.BASE_TEXT_DELETED),
    "member_deletes_text_another_marked": Case(BRA, delete("enhanced"), V.BASE_TEXT_DELETED),
    "member_deletes_inside_own_insertion": Case(BRA, delete("strong")),
    "member_deletes_all_of_own_insertion": Case(
        BRA, delete("strongly "), emptied=frozenset({"bra-1"})
    ),
    "member_deletes_own_insertion_and_base_text": Case(
        BRA, delete("strongly recommend"), V.BASE_TEXT_DELETED
    ),
    "member_deletes_inside_another_insertion": Case(BRA, delete("al"), V.FOREIGN_AMENDMENT),
    # members: deletion marks
    "member_marks_base_text_with_own_new_id": Case(
        BRA, reformat("recommend", {"del:bra-3": True}), new=frozenset({"bra-3"})
    ),
    "member_marks_base_text_with_own_pending_id": Case(BRA, reformat("among", {"del:bra-2": True})),
    "member_marks_words_another_marked": Case(
        BRA, reformat("enhanced", {"del:bra-3": True}), new=frozenset({"bra-3"})
    ),
    "member_replaces_a_word": Case(
        BRA,
        (Retain(at("enhanced")), Retain(8, {"del:bra-3": True}), Insert("closer", NEW)),
        new=frozenset({"bra-3"}),
    ),
    "member_removes_own_mark": Case(
        BRA, reformat("cooperation", {"del:bra-2": None}), emptied=frozenset({"bra-2"})
    ),
    "member_removes_part_of_own_mark": Case(BRA, reformat("cooper", {"del:bra-2": None})),
    "member_removes_another_delegations_mark": Case(
        BRA, reformat("enhanced", {"del:usa-1": None}), V.FOREIGN_MARK
    ),
    "member_marks_base_text_with_another_delegations_id": Case(
        BRA, reformat("among", {"del:usa-1": True}), V.FOREIGN_MARK
    ),
    "member_marks_with_a_value_other_than_true": Case(
        BRA, reformat("among", {"del:bra-2": "yes"}), V.FORMATTING_FORBIDDEN
    ),
    "member_marks_with_own_closed_id": Case(
        BRA, reformat("among", {"del:bra-old": True}), V.CLOSED_AMENDMENT
    ),
    "member_marks_own_insertion_for_deletion": Case(
        BRA, reformat("strongly", {"del:bra-1": True}), V.MARK_ON_INSERTION
    ),
    "member_marks_another_insertion_for_deletion": Case(
        BRA, reformat("all", {"del:bra-3": True}), V.MARK_ON_INSERTION
    ),
    # members: re-formatting
    "member_moves_own_insertion_to_a_new_own_id": Case(
        BRA, reformat("strongly ", NEW), new=frozenset({"bra-3"}), emptied=frozenset({"bra-1"})
    ),
    "member_makes_own_insertion_base_text": Case(
        BRA, reformat("strongly", {INS: None}), V.BASE_TEXT_INSERTED
    ),
    "member_turns_base_text_into_own_insertion": Case(
        BRA, reformat("recommend", {INS: "bra-1"}), V.BASE_TEXT_DELETED
    ),
    "member_claims_another_insertion": Case(
        BRA, reformat("all", {INS: "bra-1"}), V.FOREIGN_AMENDMENT
    ),
    "member_bolds_own_insertion": Case(
        BRA, reformat("strongly", {"bold": True}), V.FORMATTING_FORBIDDEN
    ),
    "member_bolds_base_text": Case(BRA, reformat("We", {"bold": True}), V.FORMATTING_FORBIDDEN),
    "member_restates_attributes_text_already_has": Case(BRA, reformat("all ", {INS: "usa-2"})),
    # locked paragraphs and observers
    "member_writes_agreed_paragraph": Case(
        BRA, insert("recommend", "x", NEW), V.PARAGRAPH_LOCKED, status=ParagraphStatus.AGREED
    ),
    "member_writes_ad_referendum_paragraph": Case(
        BRA, delete("strong"), V.PARAGRAPH_LOCKED, status=ParagraphStatus.AGREED_AD_REF
    ),
    "member_writes_paragraph_under_silence": Case(
        BRA,
        reformat("among", {"del:bra-2": True}),
        V.PARAGRAPH_LOCKED,
        status=ParagraphStatus.UNDER_SILENCE,
    ),
    "observer_inserts": Case(OBS, insert("recommend", "x", {INS: "obs-1"}), V.OBSERVER_READ_ONLY),
    "observer_marks": Case(OBS, reformat("among", {"del:obs-1": True}), V.OBSERVER_READ_ONLY),
    "observer_sends_a_delta_that_changes_nothing": Case(OBS, (Retain(5), Insert(""))),
    # presiding officers
    "chair_inserts_base_text": Case(CHAIR, insert("recommend", "hereby ")),
    "secretariat_deletes_base_text": Case(SEC, delete("We ")),
    "secretariat_corrects_a_typo": Case(SEC, (Retain(at("States")), Delete(6), Insert("Parties"))),
    "chair_proposes_own_amendment": Case(
        CHAIR, insert("recommend", "x", {INS: "chair-2"}), new=frozenset({"chair-2"})
    ),
    "chair_writes_agreed_paragraph": Case(
        CHAIR, insert("recommend", "x"), V.PARAGRAPH_LOCKED, status=ParagraphStatus.AGREED
    ),
    "chair_deletes_a_member_insertion": Case(CHAIR, delete("all "), V.FOREIGN_AMENDMENT),
    "chair_accepts_a_member_insertion_by_typing": Case(
        CHAIR, reformat("all ", {INS: None}), V.FOREIGN_AMENDMENT
    ),
    "chair_deletes_words_a_member_marked": Case(CHAIR, delete("enhanced "), V.FOREIGN_MARK),
    "chair_removes_a_member_mark": Case(
        CHAIR, reformat("enhanced", {"del:usa-1": None}), V.FOREIGN_MARK
    ),
    "secretariat_types_plain_text_inside_a_member_insertion": Case(
        SEC, insert("ll ", "x"), V.FOREIGN_AMENDMENT
    ),
    "chair_bolds_base_text": Case(CHAIR, reformat("We", {"bold": True}), V.FORMATTING_FORBIDDEN),
    # malformed deltas
    "retain_past_the_end": Case(BRA, (Retain(len(PLAIN) + 1), Insert("x", NEW)), V.MALFORMED_DELTA),
    "delete_past_the_end": Case(CHAIR, (Retain(len(PLAIN) - 1), Delete(2)), V.MALFORMED_DELTA),
    "negative_retain": Case(BRA, (Retain(-1),), V.MALFORMED_DELTA),
    # ids found in the text but unknown to the draft
    "member_deletes_text_of_an_unknown_id": Case(
        BRA,
        (Delete(5),),
        V.FOREIGN_AMENDMENT,
        before=runs_of(("ghost", {INS: "ghost-1"}), " text"),
    ),
    "member_claims_an_unknown_id_found_in_the_text": Case(
        BRA,
        (Retain(10), Insert("x", {INS: "ghost-1"})),
        V.FORGED_AMENDMENT,
        before=runs_of(("ghost", {INS: "ghost-1"}), " text"),
    ),
    # non-ASCII
    "member_inserts_into_arabic_text": Case(
        BRA, (Retain(6), Insert("و", NEW)), new=frozenset({"bra-3"}), before=ARABIC
    ),
    "member_types_inside_an_arabic_insertion": Case(
        BRA, (Retain(8), Insert("و", NEW)), V.FOREIGN_AMENDMENT, before=ARABIC
    ),
    "member_deletes_chinese_base_text": Case(
        BRA, (Delete(2),), V.BASE_TEXT_DELETED, before=CHINESE
    ),
    "member_marks_an_emoji": Case(
        BRA, (Retain(6), Retain(1, {"del:bra-3": True})), new=frozenset({"bra-3"}), before=CHINESE
    ),
    "member_removes_another_mark_on_chinese_text": Case(
        BRA, (Retain(2), Retain(2, {"del:usa-1": None})), V.FOREIGN_MARK, before=CHINESE
    ),
    "member_deletes_all_of_own_french_insertion": Case(
        BRA, (Retain(21), Delete(11)), emptied=frozenset({"bra-1"}), before=FRENCH
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_suggestion_mode(case: Case) -> None:
    site = Site(PARAGRAPH, case.status, AMENDMENTS)
    verdict = check_edit(case.before, case.delta, case.editor, site)
    if case.code is None:
        assert verdict == EditVerdict(case.new, case.emptied)
    else:
        assert isinstance(verdict, Violation)
        assert verdict.code == case.code, verdict.reason


def test_violation_names_where_and_which_amendment() -> None:
    site = Site(PARAGRAPH, ParagraphStatus.OPEN, AMENDMENTS)
    verdict = check_edit(TEXT, delete("all"), BRA, site)
    assert verdict == Violation(
        V.FOREIGN_AMENDMENT, "amendment usa-2 is another delegation's proposal", 49, "usa-2"
    )
    assert isinstance(verdict, Violation)
    assert verdict.as_json() == {
        "code": "foreign_amendment",
        "reason": "amendment usa-2 is another delegation's proposal",
        "at": 49,
        "amendment": "usa-2",
    }


def test_every_violation_code_is_exercised() -> None:
    assert {case.code for case in CASES.values()} - {None} == set(ViolationCode)


@pytest.mark.parametrize(
    ("ident", "kind"),
    [
        ("bra-1", AmendmentKind.INSERT),
        ("usa-1", AmendmentKind.DELETE),
        ("x", AmendmentKind.REPLACE),
        ("nobody", None),
    ],
)
def test_kind_of_reads_the_marks(ident: str, kind: AmendmentKind | None) -> None:
    runs = runs_of(
        ("a", {INS: "bra-1"}), ("b", {"del:usa-1": True, "del:x": True}), ("c", {INS: "x"})
    )
    assert kind_of(runs, ident) == kind


# --- properties ---------------------------------------------------------------------------------


@given(PARAGRAPHS, st.data())
def test_well_behaved_member_edits_are_accepted_and_keep_the_base_text(
    runs: Runs, data: st.DataObject
) -> None:
    known = dict(KNOWN)
    base = clean_text(runs)
    for number in range(data.draw(st.integers(1, 5))):
        step = data.draw(member_steps(runs, "BRA", known, f"BRA-new{number}"), label="step")
        verdict = check_edit(runs, step.delta, BRA, Site(PARAGRAPH, ParagraphStatus.OPEN, known))
        assert isinstance(verdict, EditVerdict), (step.what, verdict)
        runs = apply_delta(runs, step.delta)
        known |= {i: Binding("BRA", PARAGRAPH) for i in verdict.new_ids}
        assert clean_text(runs) == base


@pytest.mark.parametrize("editor", [BRA, CHAIR], ids=["member", "chair"])
@given(data=st.data())
def test_accepted_edits_never_touch_other_delegations_proposals(
    editor: Editor, data: st.DataObject
) -> None:
    before = data.draw(PARAGRAPHS, label="before")
    delta = data.draw(any_deltas(before), label="delta")
    verdict = check_edit(before, delta, editor, SITE)
    event(verdict.code.value if isinstance(verdict, Violation) else "accepted")
    if isinstance(verdict, Violation):
        return
    after = apply_delta(before, delta)
    if editor.role is Role.MEMBER:
        assert clean_text(after) == clean_text(before)
    for ident, binding in KNOWN.items():
        if binding.proposer != editor.delegation:
            assert projection(after, ident) == projection(before, ident), ident
    assert verdict.new_ids.isdisjoint(KNOWN)
