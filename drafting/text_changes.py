"""What a delta really changes in rich text: inserted, removed and re-formatted stretches.

A delta says *how* to edit; `changes` says *what* it touched, with the attributes before and after,
so rules (`drafting.suggestion`) can judge each stretch. Re-formatting that leaves attributes as
they were, zero counts and empty inserts change nothing and are not reported. Counts are code
points (`drafting.runs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from drafting.runs import Attrs, Delete, DeltaError, Insert, Op, Run, clean_attrs


@dataclass(frozen=True)
class Inserted:
    """``text`` inserted at ``at`` with ``attrs``, between two characters of the old text.

    ``left``/``right`` are the attributes of the old characters on either side (None at an end).
    """

    at: int
    text: str
    attrs: Attrs
    left: Attrs | None
    right: Attrs | None


@dataclass(frozen=True)
class Removed:
    """Old text at ``at`` deleted; it carried ``attrs``."""

    at: int
    text: str
    attrs: Attrs


@dataclass(frozen=True)
class Reformatted:
    """Old text at ``at`` kept, its attributes changed from ``old`` to ``new``."""

    at: int
    text: str
    old: Attrs
    new: Attrs


Change: TypeAlias = Inserted | Removed | Reformatted


def reformat(attrs: Attrs, change: Attrs | None) -> dict[str, object]:
    """``attrs`` after a retain's ``change`` (a None or False value removes the attribute)."""
    return clean_attrs({**attrs, **(change or {})})


def changes(before: Sequence[Run], delta: Iterable[Op]) -> tuple[Change, ...]:
    """The changes ``delta`` makes to ``before``; raises `DeltaError` if it does not fit.
    Empty runs (normalized text has none) are no characters: they change nothing.

    One pass with a cursor (run ``index``, characters ``offset`` into it), as `apply_delta`:
    a plain retain over untouched runs costs no copy of them."""
    at = 0  # characters of ``before`` passed so far (kept or deleted)
    total = sum(len(run.text) for run in before)
    index, offset = 0, 0
    left: Attrs | None = None
    found: list[Change] = []
    for op in delta:
        if isinstance(op, Insert):
            if op.text:
                right = _next_attrs(before, index, offset)
                found.append(Inserted(at, op.text, clean_attrs(op.attrs), left, right))
            continue
        count = op.count
        if count < 0 or count > total - at:
            kind = type(op).__name__.lower()
            raise DeltaError(f"{kind} {op.count} at {at} runs past the end of the text")
        judge = isinstance(op, Delete) or bool(op.attrs)
        if not judge and offset == 0:  # whole runs passed over: nothing to report
            while index < len(before) and 0 < len(before[index].text) <= count:
                size = len(before[index].text)
                left = before[index].attrs
                at += size
                count -= size
                index += 1
        while count:
            run = before[index]
            size = len(run.text)
            take = min(size - offset, count)
            if take and judge:
                text = run.text if take == size else run.text[offset : offset + take]
                attrs = clean_attrs(run.attrs)
                if isinstance(op, Delete):
                    found.append(Removed(at, text, attrs))
                elif (new := reformat(attrs, op.attrs)) != attrs:
                    found.append(Reformatted(at, text, attrs, new))
            if take:
                left = run.attrs
            at += take
            count -= take
            offset += take
            if offset == size:
                index, offset = index + 1, 0
    return tuple(found)


def _next_attrs(runs: Sequence[Run], index: int, offset: int) -> Attrs | None:
    """The attributes of the character at the cursor; None at the end."""
    for at in range(index, len(runs)):
        if len(runs[at].text) > offset:
            return runs[at].attrs
        offset = 0
    return None
