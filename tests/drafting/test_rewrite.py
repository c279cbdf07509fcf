from __future__ import annotations

from collections.abc import Callable, Iterator

from hypothesis import given
from hypothesis import strategies as st

from drafting.brackets import clean, compilation
from drafting.redline import tokens
from drafting.rewrite import Rewrite, propose_by_rewriting
from drafting.runs import (
    INS,
    Delete,
    Insert,
    Retain,
    Run,
    Runs,
    apply_delta,
    del_ids,
    del_key,
    ins_id,
    normalize,
    runs_of,
)
from drafting.vocabulary import AmendmentKind
from tests.drafting.test_brackets import suggestion_runs


def fresh_ids() -> Callable[[], str]:
    counter: Iterator[int] = iter(range(1, 1000))
    return lambda: f"n{next(counter)}"


def rewrite(runs: Runs, text: str) -> Rewrite:
    return propose_by_rewriting(runs, text, fresh_ids())


def accept(runs: Runs, ids: set[str]) -> Runs:
    """Accept ``ids`` (their insertions become base, text they mark goes); nobody else moves."""
    kept: list[Run] = []
    for run in runs:
        if ins_id(run.attrs) in ids:
            kept.append(Run(run.text, {k: v for k, v in run.attrs.items() if k != INS}))
        elif not del_ids(run.attrs) & ids:
            kept.append(run)
    return normalize(kept)


def adopted(runs: Runs, text: str) -> str:
    """The clean text once the rewrite's amendments are written in and accepted."""
    result = rewrite(runs, text)
    return clean(accept(apply_delta(runs, result.delta), {a.id for a in result.amendments}))


# --- examples ----------------------------------------------------------------------------------


def test_rewriting_to_the_same_text_proposes_nothing() -> None:
    runs = runs_of("We ", ("strongly", {INS: "a1"}), " recommend cooperation")
    assert rewrite(runs, clean(runs)) == Rewrite((), ())


def test_changed_word_becomes_one_replacement() -> None:
    runs = runs_of("We recommend enhanced cooperation")
    result = rewrite(runs, "We recommend improved cooperation")
    [amendment] = result.amendments
    assert (amendment.id, amendment.kind) == ("n1", AmendmentKind.REPLACE)
    assert (amendment.start, amendment.deleted, amendment.inserted) == (13, "enhanced", "improved")
    assert result.delta == (
        Retain(13),
        Retain(8, {"del:n1": True}),
        Insert("improved", {INS: "n1"}),
    )
    after = apply_delta(runs, result.delta)
    assert (
        compilation(after, {"n1": "USA"}) == "We recommend [~~enhanced~~ improved]·USA cooperation"
    )


def test_insertion_and_deletion_kinds() -> None:
    result = rewrite(
        runs_of("We recommend enhanced cooperation"), "We strongly recommend cooperation"
    )
    assert [(a.kind, a.deleted, a.inserted) for a in result.amendments] == [
        (AmendmentKind.INSERT, "", "strongly "),
        (AmendmentKind.DELETE, "enhanced ", ""),
    ]


def test_neighbouring_changes_fold_into_one_readable_amendment() -> None:
    result = rewrite(runs_of("the big red dog"), "the small blue dog")
    assert [(a.deleted, a.inserted) for a in result.amendments] == [("big red", "small blue")]


def test_changes_are_whole_words() -> None:
    result = rewrite(runs_of("international cooperation"), "internal cooperation")
    assert [(a.deleted, a.inserted) for a in result.amendments] == [("international", "internal")]


def test_others_pending_proposals_are_skipped_and_left_alone() -> None:
    runs = runs_of(
        "We ",
        ("strongly ", {INS: "a1"}),
        "recommend ",
        ("enhanced", {"del:a2": True}),
        " cooperation",
    )
    result = rewrite(runs, "We firmly recommend cooperation among states")
    after = apply_delta(runs, result.delta)
    assert compilation(after, {"a1": "BRA", "a2": "USA", "n1": "EU", "n2": "EU", "n3": "EU"}) == (
        "We [firmly]·EU [strongly]·BRA recommend [[~~enhanced~~]·USA]·EU cooperation"
        " [among states]·EU"
    )


def test_deletion_across_anothers_insertion_marks_only_base_text() -> None:
    runs = runs_of("very ", ("much ", {INS: "a1"}), "good work")
    result = rewrite(runs, "work")
    after = apply_delta(runs, result.delta)
    assert after == runs_of(
        ("very ", {"del:n1": True}),
        ("much ", {INS: "a1"}),
        ("good ", {"del:n1": True}),
        "work",
    )


def test_works_in_the_un_languages_and_emoji() -> None:
    cases = [
        (
            "Nous recommandons une coopération renforcée.",
            "Nous recommandons une coopération étroite.",
        ),
        ("نوصي بتعزيز التعاون الدولي", "نوصي بتعزيز التعاون الإقليمي"),
        ("我们建议加强国际合作。", "我们建议加强区域合作。"),
        ("Мы рекомендуем укреплять сотрудничество.", "Мы настоятельно рекомендуем сотрудничество."),
        ("We 👍 this 👨‍👩‍👧 text", "We 👎🏽 this 👨‍👩‍👧‍👦 text"),
    ]
    for base, text in cases:
        runs = runs_of(base)
        assert adopted(runs, text) == text
    chinese = rewrite(runs_of("我们建议加强国际合作。"), "我们建议加强区域合作。")
    assert [(a.deleted, a.inserted) for a in chinese.amendments] == [("国际", "区域")]
    emoji = rewrite(runs_of("We 👍 this text"), "We 👎🏽 this text")
    assert [(a.deleted, a.inserted) for a in emoji.amendments] == [("👍", "👎🏽")]


# --- properties --------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "strongly",
        "coopération",
        "تعاون",
        "合作",
        "сотрудничество",
        "😀",
        "👩‍👩‍👧",
        "e\u0301",
        " ",
        ",",
        "\n",
    ]
)


@st.composite
def rewrites(draw: st.DrawFn, runs: Runs) -> str:
    """The base text edited word by word (or, sometimes, replaced by anything)."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text())
    out: list[str] = []
    for token in [*tokens(clean(runs)), ""]:
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(WORDS))
        action = draw(st.integers(0, 5))
        out.append(token if action > 1 else draw(WORDS) if action == 1 else "")
    return "".join(out)


@st.composite
def paragraphs_and_rewrites(draw: st.DrawFn) -> tuple[Runs, str]:
    runs = draw(suggestion_runs())
    return runs, draw(rewrites(runs))


@given(paragraphs_and_rewrites())
def test_accepting_the_new_amendments_gives_the_rewritten_text(case: tuple[Runs, str]) -> None:
    runs, text = case
    assert adopted(runs, text) == text


@given(paragraphs_and_rewrites())
def test_delta_only_adds_its_own_insertions_and_marks(case: tuple[Runs, str]) -> None:
    runs, text = case
    result = rewrite(runs, text)
    new = {a.id for a in result.amendments}
    assert len(new) == len(result.amendments)
    for op in result.delta:
        assert not isinstance(op, Delete)
        if isinstance(op, Insert):
            assert op.attrs is not None and set(op.attrs) == {INS} and op.attrs[INS] in new
        elif op.attrs:
            assert all(k.removeprefix("del:") in new and v is True for k, v in op.attrs.items())
    after = apply_delta(runs, result.delta)
    # Without the new ids' text and marks, the paragraph is exactly what it was.
    stripped = [
        Run(r.text, {k: v for k, v in r.attrs.items() if k not in {del_key(i) for i in new}})
        for r in after
        if ins_id(r.attrs) not in new
    ]
    assert normalize(stripped) == normalize(runs)
    # New marks land on base text only.
    assert all(not (del_ids(r.attrs) & new) or ins_id(r.attrs) is None for r in after)


@given(paragraphs_and_rewrites())
def test_amendments_describe_the_delta(case: tuple[Runs, str]) -> None:
    runs, text = case
    result = rewrite(runs, text)
    after = apply_delta(runs, result.delta)
    base = clean(runs)
    for amendment in result.amendments:
        assert base[amendment.start : amendment.start + len(amendment.deleted)] == amendment.deleted
        inserted = "".join(r.text for r in after if ins_id(r.attrs) == amendment.id)
        marked = "".join(r.text for r in after if amendment.id in del_ids(r.attrs))
        assert (inserted, marked) == (amendment.inserted, amendment.deleted)
        expected = {
            (True, True): AmendmentKind.REPLACE,
            (True, False): AmendmentKind.DELETE,
            (False, True): AmendmentKind.INSERT,
        }[(bool(amendment.deleted), bool(amendment.inserted))]
        assert amendment.kind is expected


@given(suggestion_runs())
def test_rewriting_to_the_clean_text_proposes_nothing(runs: Runs) -> None:
    assert rewrite(runs, clean(runs)) == Rewrite((), ())
