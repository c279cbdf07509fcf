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

from drafting.runs import Attrs, Delete, DeltaError, Insert, Op, Run, Runs, clean_attrs, split_at


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
    """The changes ``delta`` makes to ``before``; raises `DeltaError` if it does not fit."""
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
