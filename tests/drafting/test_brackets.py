from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.brackets import MarkupError, clean, compilation, from_markup, to_markup
from drafting.errors import DraftingError, ErrorCode
from drafting.runs import (
    INS,
    Delete,
    Op,
    Retain,
    Run,
    Runs,
    apply_delta,
    del_ids,
    del_key,
    ins_id,
    normalize,
    plain,
    runs_of,
)

# --- strategies (also used by test_rewrite) ----------------------------------------------------

METACHARACTERS = [*"[]{}~·\\+-,> \n\t", "{++", "++}", "{--", "--}", "~~"]
AMENDMENT_IDS = st.sampled_from(["a1", "a2", "a3", "x,y]", "é\\{", "BRA-1"])
TEXT = st.lists(
    st.one_of(st.sampled_from(METACHARACTERS), st.characters()), min_size=1, max_size=6
).map("".join)


def _base(text: str) -> Run:
    return Run(text, {})


def _inserted(text: str, amendment: str) -> Run:
    return Run(text, {INS: amendment})


def _marked(text: str, amendments: frozenset[str]) -> Run:
    return Run(text, {del_key(a): True for a in amendments})


SEGMENT = st.one_of(
    st.builds(_base, TEXT),
    st.builds(_inserted, TEXT, AMENDMENT_IDS),
    st.builds(_marked, TEXT, st.frozensets(AMENDMENT_IDS, min_size=1, max_size=3)),
)


def suggestion_runs() -> st.SearchStrategy[Runs]:
    """Any paragraph of the model: base text, insertions (adjacent, nested), overlapping marks."""
    return st.lists(SEGMENT, max_size=12).map(normalize)


def reject_all(runs: Runs) -> Runs:
    """Every amendment rejected: inserted text removed, every deletion mark removed."""
    ops: list[Op] = []
    for run in runs:
        if ins_id(run.attrs):
            ops.append(Delete(len(run.text)))
        else:
            ops.append(Retain(len(run.text), {del_key(a): None for a in del_ids(run.attrs)}))
    return apply_delta(runs, ops)


# --- compilation -------------------------------------------------------------------------------

DESIGN = runs_of(
    "We ",
    ("strongly", {INS: "a1"}),
    " recommend ",
    ("enhanced", {"del:a2": True}),
    " cooperation",
)


def test_design_example_renders_exactly() -> None:
    tags = {"a1": "BRA,ZAF", "a2": "USA"}
    assert (
        compilation(DESIGN, tags)
        == "We [strongly]·BRA,ZAF recommend [~~enhanced~~]·USA cooperation"
    )


def test_unknown_amendment_is_tagged_with_its_id() -> None:
    assert compilation(DESIGN, {}) == "We [strongly]·a1 recommend [~~enhanced~~]·a2 cooperation"


def test_text_without_amendments_renders_as_is() -> None:
    assert compilation(runs_of("Plain [text] ~~here~~"), {}) == "Plain [text] ~~here~~"


def test_replacement_reads_as_one_bracket_old_then_new() -> None:
    runs = runs_of("the ", ("enhanced", {"del:a1": True}), ("improved", {INS: "a1"}), " work")
    assert compilation(runs, {"a1": "USA"}) == "the [~~enhanced~~ improved]·USA work"


def test_competing_insertions_stay_side_by_side() -> None:
    runs = runs_of("an ", ("accord", {INS: "a"}), ("protocol", {INS: "b"}), " on data")
    assert compilation(runs, {"a": "A", "b": "B"}) == "an [accord]·A[protocol]·B on data"


def test_insertion_inside_an_insertion_renders_nested_brackets() -> None:
    runs = runs_of(
        "adopt ",
        ("a new ", {INS: "a"}),
        ("and binding ", {INS: "b"}),
        ("protocol", {INS: "a"}),
    )
    assert (
        compilation(runs, {"a": "USA", "b": "EU"}) == "adopt [a new [and binding]·EU protocol]·USA"
    )


def test_overlapping_deletions_nest_with_the_longer_outside() -> None:
    runs = runs_of(
        "We ",
        ("strongly ", {"del:a": True}),
        ("enhanced", {"del:a": True, "del:b": True}),
        " cooperation",
    )
    assert compilation(runs, {"a": "USA", "b": "EU"}) == (
        "We [~~strongly~~ [~~enhanced~~]·EU]·USA cooperation"
    )


def test_same_words_deleted_by_two_amendments_show_both_brackets() -> None:
    runs = runs_of("We ", ("strongly", {"del:a": True, "del:b": True}), " agree")
    assert compilation(runs, {"a": "USA", "b": "EU"}) == "We [[~~strongly~~]·EU]·USA agree"


def test_crossing_deletions_split_where_they_cross() -> None:
    runs = runs_of(
        ("strongly ", {"del:a": True}),
        ("enhanced", {"del:a": True, "del:b": True}),
        (" cooperation", {"del:b": True}),
    )
    assert compilation(runs, {"a": "A", "b": "B"}) == (
        "[~~strongly~~ [~~enhanced~~]·B]·A [~~cooperation~~]·B"
    )


def test_competing_replacements_of_the_same_word() -> None:
    runs = runs_of(
        "the ",
        ("enhanced", {"del:a": True, "del:b": True}),
        ("improved", {INS: "a"}),
        ("better", {INS: "b"}),
        " work",
    )
    assert compilation(runs, {"a": "A", "b": "B"}) == (
        "the [[~~enhanced~~]·B improved]·A[better]·B work"
    )


def test_insertion_in_text_marked_for_deletion_sits_inside_the_bracket() -> None:
    runs = runs_of(
        ("enhanced ", {"del:a": True}), ("global ", {INS: "b"}), ("work", {"del:a": True})
    )
    assert compilation(runs, {}) == "[~~enhanced~~ [global]·b ~~work~~]·a"


def test_non_ascii_paragraphs_render() -> None:
    arabic = runs_of("نوصي ", ("بشدة", {INS: "a"}), " بتعزيز ", ("التعاون", {"del:b": True}))
    assert (
        compilation(arabic, {"a": "EGY", "b": "SAU"}) == "نوصي [بشدة]·EGY بتعزيز [~~التعاون~~]·SAU"
    )
    chinese = runs_of("加强", ("国际", {INS: "a"}), ("合作", {"del:b": True}), ("协调", {INS: "b"}))
    assert compilation(chinese, {"a": "CHN", "b": "RUS"}) == "加强[国际]·CHN[~~合作~~ 协调]·RUS"


def test_whitespace_at_the_edge_of_a_bracket_is_shown_outside_it() -> None:
    runs = runs_of("We ", ("strongly ", {INS: "a"}), "recommend", (" it", {"del:b": True}), ".")
    assert compilation(runs, {}) == "We [strongly]·a recommend [~~it~~]·b."


def test_deleted_space_alone_is_struck() -> None:
    assert (
        compilation(runs_of("co", (" ", {"del:a": True}), "operation"), {})
        == "co[~~ ~~]·aoperation"
    )


def test_clean_text_drops_insertions_and_keeps_marked_text() -> None:
    assert clean(DESIGN) == "We  recommend enhanced cooperation"


# --- markup ------------------------------------------------------------------------------------


def test_markup_of_the_design_example() -> None:
    assert to_markup(DESIGN) == ("We {++[a1] strongly++} recommend {--[a2] enhanced--} cooperation")
    assert from_markup(to_markup(DESIGN)) == DESIGN


def test_markup_escapes_its_own_metacharacters() -> None:
    runs = runs_of("a{b}\\c", ("x++}", {INS: "id]"}), ("--}", {"del:p,q": True, "del:r": True}))
    markup = to_markup(runs)
    assert markup == "a\\{b\\}\\\\c{++[id\\]] x++\\}++}{--[p\\,q,r] --\\}--}"
    assert from_markup(markup) == runs


def test_markup_parse_merges_adjacent_runs_with_equal_attributes() -> None:
    assert from_markup("{++[a] x++}{++[a] y++}z") == runs_of(("xy", {INS: "a"}), "z")


@pytest.mark.parametrize(
    ("markup", "position"),
    [
        ("ab}", 2),
        ("x{+", 1),
        ("{**[a] x**}", 0),
        ("{++a] x++}", 3),
        ("{++[a,b] x++}", 9),
        ("{++[a]x++}", 6),
        ("{--[] x--}", 4),
        ("{--[a] x++}", 10),
        ("{++[a] x", 8),
        ("{++[a] {x++}", 7),
        ("trailing\\", 8),
        ("{--[a", 5),
    ],
)
def test_malformed_markup_raises_with_its_position(markup: str, position: int) -> None:
    with pytest.raises(MarkupError) as raised:
        from_markup(markup)
    assert raised.value.position == position
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, DraftingError)
    assert raised.value.code is ErrorCode.INVALID


@pytest.mark.parametrize(
    "runs",
    [
        (Run("bold", {"bold": True}),),
        (Run("x", {INS: "a", "del:b": True}),),
        (Run("x", {"del:": True}),),
        (Run("x", {"del:a": "yes"}),),
    ],
)
def test_markup_refuses_attributes_outside_the_model(runs: Runs) -> None:
    with pytest.raises(ValueError):
        to_markup(runs)


# --- properties --------------------------------------------------------------------------------


@given(suggestion_runs())
def test_markup_round_trips_exactly(runs: Runs) -> None:
    assert from_markup(to_markup(runs)) == normalize(runs)


@given(suggestion_runs())
def test_clean_text_is_the_text_with_every_amendment_rejected(runs: Runs) -> None:
    assert clean(runs) == plain(reject_all(runs))


@given(suggestion_runs())
def test_compilation_without_amendments_is_the_text(runs: Runs) -> None:
    rendered = compilation(runs, {})
    if all(not ins_id(r.attrs) and not del_ids(r.attrs) for r in runs):
        assert rendered == plain(runs)
    else:
        assert rendered.count("]·") >= 1


@given(st.text())
def test_any_plain_text_round_trips(text: str) -> None:
    assert from_markup(to_markup(runs_of(text))) == runs_of(text)
