"""The runs functions the gate calls on every keystroke agree with their plain definitions.

`apply_delta`, `normalize`, `changes`, `pending_ids` and `kinds` walk a paragraph once (with a
cursor) and share attribute dicts that are already clean: they cost per keystroke in proportion
to the paragraph. The plain definitions below — split the runs at each operation, copy every run —
are the specification; these properties hold the fast ones to them, failures included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from drafting.runs import (
    Attrs,
    Delete,
    Delta,
    DeltaError,
    Insert,
    Op,
    Retain,
    Run,
    Runs,
    _with_format,
    amendment_ids,
    apply_delta,
    clean_attrs,
    del_ids,
    ins_id,
    normalize,
)
from drafting.settlement import pending_ids
from drafting.suggestion import kinds
from drafting.text_changes import Change, Inserted, Reformatted, Removed, changes, reformat
from drafting.vocabulary import AmendmentKind
from tests.drafting.suggestion_strategies import ATTRS, PARAGRAPHS, WORDS, any_deltas

# -- the plain definitions ------------------------------------------------------------------------


def plain_normalize(runs: Iterable[Run]) -> Runs:
    out: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        attrs = clean_attrs(run.attrs)
        if out and dict(out[-1].attrs) == attrs:
            out[-1] = Run(out[-1].text + run.text, attrs)
        else:
            out.append(Run(run.text, attrs))
    return tuple(out)


def split_at(runs: Sequence[Run], index: int) -> tuple[Runs, Runs]:
    before: list[Run] = []
    after: list[Run] = []
    seen = 0
    for run in runs:
        end = seen + len(run.text)
        if end <= index:
            before.append(run)
        elif seen >= index:
            after.append(run)
        else:
            before.append(Run(run.text[: index - seen], run.attrs))
            after.append(Run(run.text[index - seen :], run.attrs))
        seen = end
    return tuple(before), tuple(after)


def plain_apply_delta(runs: Sequence[Run], delta: Iterable[Op]) -> Runs:
    rest: Runs = tuple(runs)
    out: list[Run] = []
    for op in delta:
        if isinstance(op, Insert):
            out.append(Run(op.text, clean_attrs(op.attrs)))
            continue
        if op.count < 0 or op.count > sum(len(r.text) for r in rest):
            raise DeltaError(f"{type(op).__name__.lower()} {op.count} past the end of the text")
        head, rest = split_at(rest, op.count)
        if isinstance(op, Retain):
            out.extend(Run(r.text, _with_format(r.attrs, op.attrs)) for r in head)
    out.extend(rest)
    return plain_normalize(out)


def plain_changes(before: Sequence[Run], delta: Iterable[Op]) -> tuple[Change, ...]:
    rest: Runs = tuple(before)
    at = 0
    left: Attrs | None = None
    found: list[Change] = []
    for op in delta:
        if isinstance(op, Insert):
            if op.text:
                right = rest[0].attrs if rest else None
                found.append(Inserted(at, op.text, clean_attrs(op.attrs), left, right))
            continue
        if op.count < 0 or op.count > sum(len(run.text) for run in rest):
            kind = type(op).__name__.lower()
            raise DeltaError(f"{kind} {op.count} at {at} runs past the end of the text")
        head, rest = split_at(rest, op.count)
        for run in head:
            attrs = clean_attrs(run.attrs)
            if isinstance(op, Delete):
                found.append(Removed(at, run.text, attrs))
            elif (new := reformat(attrs, op.attrs)) != attrs:
                found.append(Reformatted(at, run.text, attrs, new))
            at += len(run.text)
            left = run.attrs
    return tuple(found)


def plain_kind_of(runs: Sequence[Run], amendment_id: str) -> AmendmentKind | None:
    inserts = any(ins_id(run.attrs) == amendment_id for run in runs)
    deletes = any(amendment_id in del_ids(run.attrs) for run in runs)
    if inserts and deletes:
        return AmendmentKind.REPLACE
    if inserts:
        return AmendmentKind.INSERT
    return AmendmentKind.DELETE if deletes else None


def outcome(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except DeltaError as error:
        return ("DeltaError", str(error))


# -- strategies -----------------------------------------------------------------------------------

# Not normalized: empty runs, equal neighbours, None and False values (normalize's input).
RAW_RUNS = st.lists(
    st.builds(Run, st.text(max_size=4), ATTRS | st.just({"ins": "BRA-1", "bold": False})),
    max_size=8,
).map(tuple)


@st.composite
def paragraphs_and_deltas(draw: st.DrawFn) -> tuple[Runs, Delta]:
    """A paragraph and a delta that fits it, or sometimes runs past its end."""
    runs = draw(PARAGRAPHS)
    delta = draw(any_deltas(runs))
    if draw(st.integers(0, 4)) == 0:
        overshoot = sum(len(r.text) for r in runs) + draw(st.integers(1, 3))
        kind = draw(st.sampled_from([Retain, Delete]))
        delta = (*delta, Insert(draw(WORDS)), kind(overshoot))
    return runs, delta


# -- properties -----------------------------------------------------------------------------------


@given(RAW_RUNS)
def test_normalize_is_its_plain_definition(runs: Runs) -> None:
    assert normalize(runs) == plain_normalize(runs)
    assert normalize(normalize(runs)) == normalize(runs)


@given(paragraphs_and_deltas())
def test_applying_a_delta_is_its_plain_definition(case: tuple[Runs, Delta]) -> None:
    runs, delta = case
    assert outcome(apply_delta, runs, delta) == outcome(plain_apply_delta, runs, delta)


@given(paragraphs_and_deltas())
def test_what_a_delta_changes_is_its_plain_definition(case: tuple[Runs, Delta]) -> None:
    runs, delta = case
    assert outcome(changes, runs, delta) == outcome(plain_changes, runs, delta)


@given(RAW_RUNS)
def test_pending_ids_are_every_run_s_amendments(runs: Runs) -> None:
    expected: frozenset[str] = frozenset().union(*(amendment_ids(r.attrs) for r in runs))
    assert pending_ids(runs) == expected


@given(RAW_RUNS)
def test_every_amendment_s_kind_is_read_in_one_pass(runs: Runs) -> None:
    every = frozenset().union(*(amendment_ids(r.attrs) for r in runs))
    assert kinds(runs) == {ident: plain_kind_of(runs, ident) for ident in every}


def test_a_keystroke_keeps_the_runs_it_does_not_touch() -> None:
    """Untouched runs come back as they were (shared, not copied): the point of the cursor."""
    runs = normalize(
        [Run("We ", {}), Run("strongly ", {"ins": "BRA-1"}), Run("recommend", {"del:USA-1": True})]
    )
    after = apply_delta(runs, (Retain(3), Insert("very ", {"ins": "BRA-1"})))
    assert after == (
        Run("We ", {}),
        Run("very strongly ", {"ins": "BRA-1"}),
        Run("recommend", {"del:USA-1": True}),
    )
    assert after[0] is runs[0] and after[2] is runs[2]
