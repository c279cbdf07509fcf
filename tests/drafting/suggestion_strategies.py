"""Hypothesis strategies for suggestion-mode text: paragraphs with proposals, and members' edits.

Shared by `test_suggestion` and `test_settlement`. BRA is the editing member; USA the other one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from drafting.runs import (
    INS,
    Attrs,
    Delete,
    Delta,
    Insert,
    Op,
    Retain,
    Run,
    Runs,
    amendment_ids,
    characters,
    del_ids,
    del_key,
    ins_id,
    normalize,
)
from drafting.suggestion import Binding, Editor, Site
from drafting.vocabulary import ParagraphStatus, Role

PARAGRAPH = "p1"
BRA = Editor("BRA", Role.MEMBER)
USA = Editor("USA", Role.MEMBER)
CHAIR = Editor("CHAIR", Role.CHAIR)
OWN_IDS = ("BRA-1", "BRA-2")
OTHER_IDS = ("USA-1", "USA-2", "USA-3")
KNOWN = {i: Binding("BRA", PARAGRAPH) for i in OWN_IDS} | {
    i: Binding("USA", PARAGRAPH) for i in OTHER_IDS
}
SITE = Site(PARAGRAPH, ParagraphStatus.OPEN, KNOWN)

WORDS = st.text(min_size=1, max_size=5)
MARKS = st.frozensets(st.sampled_from(OWN_IDS + OTHER_IDS), max_size=2)


def _segment(text: str, inserted_by: str | None, marks: frozenset[str]) -> Run:
    if inserted_by is not None:
        return Run(text, {INS: inserted_by})
    return Run(text, {del_key(m): True for m in marks})


SEGMENTS = st.builds(_segment, WORDS, st.none() | st.sampled_from(OWN_IDS + OTHER_IDS), MARKS)
PARAGRAPHS: st.SearchStrategy[Runs] = st.lists(SEGMENTS, max_size=6).map(normalize)


def owner(ident: str, known: dict[str, Binding]) -> str | None:
    binding = known.get(ident)
    return binding.proposer if binding else None


def stretches(runs: Runs, keep: Callable[[Attrs], bool]) -> list[tuple[int, int]]:
    """Maximal [start, end) ranges of characters whose attributes satisfy ``keep``."""
    found: list[tuple[int, int]] = []
    for index, (_, attrs) in enumerate(characters(runs)):
        if not keep(attrs):
            continue
        if found and found[-1][1] == index:
            found[-1] = (found[-1][0], index + 1)
        else:
            found.append((index, index + 1))
    return found


def insertion_points(runs: Runs, editor: str, known: dict[str, Binding]) -> list[int]:
    """Positions not strictly inside another delegation's insertion."""
    attrs = [a for _, a in characters(runs)]
    points = []
    for index in range(len(attrs) + 1):
        left = ins_id(attrs[index - 1]) if index else None
        right = ins_id(attrs[index]) if index < len(attrs) else None
        if left is None or left != right or owner(left, known) == editor:
            points.append(index)
    return points


@dataclass(frozen=True)
class Step:
    """One well-behaved edit: its delta and a short description for failure messages."""

    what: str
    delta: Delta


@st.composite
def member_steps(
    draw: st.DrawFn, runs: Runs, editor: str, known: dict[str, Binding], fresh: str
) -> Step:
    """An edit suggestion mode allows ``editor``, with one of its pending ids or ``fresh``: an
    insertion, a mark on base text, removal of a mark, a deletion inside one of its insertions,
    or a replacement (``fresh`` marks words and inserts their alternative)."""
    own = [*sorted(i for i, b in known.items() if b.proposer == editor and b.pending), fresh]
    ident = draw(st.sampled_from(own))
    base = stretches(runs, lambda a: ins_id(a) is None)
    own_ins = stretches(runs, lambda a: ins_id(a) == ident)
    marked = stretches(runs, lambda a: ident in del_ids(a) and ins_id(a) is None)
    actions = ["insert"] + ["mark", "replace"] * bool(base)
    actions += ["unmark"] * bool(marked) + ["delete"] * bool(own_ins)
    action = draw(st.sampled_from(actions))
    if action == "insert":
        at = draw(st.sampled_from(insertion_points(runs, editor, known)))
        return Step(f"insert {ident}", (Retain(at), Insert(draw(WORDS), {INS: ident})))
    pool = {"mark": base, "replace": base, "unmark": marked, "delete": own_ins}[action]
    start, end = draw(st.sampled_from(pool))
    lo = draw(st.integers(start, end - 1))
    hi = draw(st.integers(lo + 1, end))
    ops: tuple[Op, ...]
    if action == "mark":
        ops = (Retain(hi - lo, {del_key(ident): True}),)
    elif action == "replace":
        ops = (Retain(hi - lo, {del_key(fresh): True}), Insert(draw(WORDS), {INS: fresh}))
    elif action == "unmark":
        ops = (Retain(hi - lo, {del_key(ident): None}),)
    else:
        ops = (Delete(hi - lo),)
    return Step(f"{action} {ident} [{lo}:{hi}]", (Retain(lo), *ops))


ATTRS = st.fixed_dictionaries(
    {},
    optional={
        INS: st.sampled_from([None, *OWN_IDS, *OTHER_IDS, "BRA-9", ""]),
        del_key("BRA-1"): st.sampled_from([True, None]),
        del_key("USA-1"): st.sampled_from([True, None]),
        del_key("BRA-9"): st.sampled_from([True, None, "yes"]),
        "bold": st.sampled_from([True, None]),
    },
)


@st.composite
def any_deltas(draw: st.DrawFn, runs: Runs) -> Delta:
    """Small arbitrary deltas that fit ``runs``: any attributes, any ids, anywhere."""
    left = sum(len(r.text) for r in runs)
    ops: list[Op] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["retain", "format", "delete", "insert"]))
        if kind == "insert":
            ops.append(Insert(draw(WORDS), draw(ATTRS) or None))
            continue
        count = draw(st.integers(0, left))
        left -= count
        if kind == "delete":
            ops.append(Delete(count))
        else:
            ops.append(Retain(count, draw(ATTRS) if kind == "format" else None))
    return tuple(ops)


def projection(runs: Runs, ident: str) -> tuple[tuple[str, str], ...]:
    """The characters amendment ``ident`` inserts or marks, in order, with how."""
    return tuple(
        (ch, "ins" if ins_id(attrs) == ident else "del")
        for ch, attrs in characters(runs)
        if ident in amendment_ids(attrs)
    )
