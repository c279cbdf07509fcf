from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.runs import (
    INS,
    Delete,
    Delta,
    Insert,
    Retain,
    Runs,
    apply_delta,
    characters,
    del_ids,
    ins_id,
    runs_of,
)
from drafting.settlement import (
    accept_delta,
    accepted_text,
    clean_text,
    compact,
    pending_ids,
    reject_delta,
)
from drafting.suggestion import Binding, EditVerdict, Site, check_edit
from drafting.vocabulary import ParagraphStatus
from tests.drafting.suggestion_strategies import (
    BRA,
    KNOWN,
    OTHER_IDS,
    PARAGRAPH,
    PARAGRAPHS,
    member_steps,
    projection,
)

TEXT = runs_of(
    "We ",
    ("strongly ", {INS: "bra-1"}),
    "recommend ",
    ("enhanced ", {"del:usa-1": True, "del:zaf-1": True}),
    ("closer ", {INS: "usa-1"}),
    "cooperation ",
    ("among ", {"del:zaf-1": True}),
    ("between ", {INS: "zaf-1"}),
    "States.",
)


def settle(runs: Runs, delta: Delta) -> str:
    return "".join(ch for ch, _ in characters(apply_delta(runs, delta)))


def test_accepting_an_insertion_makes_it_base_text() -> None:
    delta = accept_delta(TEXT, "bra-1")
    assert delta == (Retain(3), Retain(9, {INS: None}))
    after = apply_delta(TEXT, delta)
    assert clean_text(after).startswith("We strongly recommend enhanced cooperation")
    assert "bra-1" not in pending_ids(after)


def test_accepting_a_replacement_deletes_the_marked_words_and_keeps_the_new_ones() -> None:
    delta = accept_delta(TEXT, "usa-1")
    assert delta == (Retain(22), Delete(9), Retain(7, {INS: None}))
    after = apply_delta(TEXT, delta)
    assert clean_text(after) == "We recommend closer cooperation among States."


def test_accepting_a_deletion_removes_words_other_proposals_also_marked() -> None:
    after = apply_delta(TEXT, accept_delta(TEXT, "zaf-1"))
    assert clean_text(after) == "We recommend cooperation between States."
    assert pending_ids(after) == {"bra-1", "usa-1"}


def test_rejecting_an_insertion_deletes_it() -> None:
    assert reject_delta(TEXT, "bra-1") == (Retain(3), Delete(9))


def test_rejecting_a_replacement_removes_its_text_and_its_marks_only() -> None:
    delta = reject_delta(TEXT, "usa-1")
    assert delta == (Retain(22), Retain(9, {"del:usa-1": None}), Delete(7))
    after = apply_delta(TEXT, delta)
    assert after[3:4] == runs_of(("enhanced ", {"del:zaf-1": True}))
    assert clean_text(after) == clean_text(TEXT)


def test_a_deletion_spanning_runs_is_one_operation() -> None:
    runs = runs_of(("ab", {"del:x": True}), ("cd", {"del:x": True, "del:y": True}), "e")
    assert accept_delta(runs, "x") == (Delete(4),)
    assert reject_delta(runs, "x") == (Retain(4, {"del:x": None}),)


@pytest.mark.parametrize("settle_delta", [accept_delta, reject_delta], ids=["accept", "reject"])
def test_settling_an_amendment_absent_from_the_text_is_the_empty_delta(
    settle_delta: Callable[[Runs, str], Delta],
) -> None:
    assert settle_delta(TEXT, "nobody") == ()
    assert settle_delta((), "bra-1") == ()


def test_settling_non_ascii_text_counts_code_points() -> None:
    runs = runs_of("Усиленное ", ("😀 国际", {INS: "a"}), ("合作", {"del:a": True}), " تعاون")
    assert accept_delta(runs, "a") == (Retain(10), Retain(4, {INS: None}), Delete(2))
    assert accepted_text(runs, "a") == "Усиленное 😀 国际 تعاون"
    assert settle(runs, reject_delta(runs, "a")) == "Усиленное 合作 تعاون"


def test_clean_text_keeps_words_proposed_for_deletion_and_drops_insertions() -> None:
    assert clean_text(TEXT) == "We recommend enhanced cooperation among States."


def test_accepted_text_is_the_clean_text_with_one_amendment_accepted() -> None:
    assert accepted_text(TEXT, "zaf-1") == "We recommend cooperation between States."


def test_compact_merges_neighbours_and_drops_no_ops() -> None:
    ops = (Retain(0), Retain(2), Retain(1, {}), Delete(1), Delete(2), Insert("x"), Retain(4))
    assert compact(ops) == (Retain(3), Delete(3), Insert("x"))


# --- properties ---------------------------------------------------------------------------------

AMENDMENT = "BRA-new"


@st.composite
def amended(draw: st.DrawFn) -> tuple[Runs, Runs]:
    """A paragraph, and the same paragraph after BRA made amendment ``AMENDMENT`` in a few steps."""
    before = draw(PARAGRAPHS)
    known = {i: b for i, b in KNOWN.items() if b.proposer != "BRA"}
    site = Site(PARAGRAPH, ParagraphStatus.OPEN, known)
    runs = before
    for _ in range(draw(st.integers(1, 4))):
        step = draw(member_steps(runs, "BRA", known, AMENDMENT))
        assert isinstance(check_edit(runs, step.delta, BRA, site), EditVerdict)
        runs = apply_delta(runs, step.delta)
        known = known | {AMENDMENT: Binding("BRA", PARAGRAPH)}
        site = Site(PARAGRAPH, ParagraphStatus.OPEN, known)
    return before, runs


def is_compact(delta: Delta) -> bool:
    pairs = pairwise(delta)
    mergeable = any(
        (type(a) is type(b) is Delete)
        or (isinstance(a, Retain) and isinstance(b, Retain) and a.attrs == b.attrs)
        for a, b in pairs
    )
    trailing = bool(delta) and isinstance(delta[-1], Retain) and not delta[-1].attrs
    zero = any(not isinstance(op, Insert) and op.count == 0 for op in delta)
    return not (mergeable or trailing or zero)


@given(amended())
def test_rejecting_an_amendment_restores_the_text_before_it(case: tuple[Runs, Runs]) -> None:
    before, after = case
    delta = reject_delta(after, AMENDMENT)
    assert is_compact(delta)
    assert apply_delta(after, delta) == before


@given(amended())
def test_accepting_an_amendment_settles_exactly_its_text(case: tuple[Runs, Runs]) -> None:
    _, after = case
    delta = accept_delta(after, AMENDMENT)
    assert is_compact(delta)
    accepted = apply_delta(after, delta)
    expected = "".join(
        ch
        for ch, attrs in characters(after)
        if ins_id(attrs) == AMENDMENT or (ins_id(attrs) is None and AMENDMENT not in del_ids(attrs))
    )
    assert clean_text(accepted) == expected
    assert AMENDMENT not in pending_ids(accepted)
    assert accept_delta(accepted, AMENDMENT) == ()
    for ident in OTHER_IDS:
        inserted = [c for c in projection(after, ident) if c[1] == "ins"]
        assert [c for c in projection(accepted, ident) if c[1] == "ins"] == inserted


@given(PARAGRAPHS, st.sampled_from(OTHER_IDS))
def test_settling_any_amendment_yields_a_compact_delta_that_applies(runs: Runs, ident: str) -> None:
    for delta in (accept_delta(runs, ident), reject_delta(runs, ident)):
        assert is_compact(delta)
        assert ident not in pending_ids(apply_delta(runs, delta))
