"""Rich text as runs, and Yjs-style deltas over it.

A paragraph's text (DESIGN §4, §5) is a sequence of *runs*: a piece of text and the formatting
attributes it carries. Suggestion mode lives in those attributes:

- ``ins`` = amendment id — the characters are a proposed insertion of that amendment;
- ``del:<amendment id>`` = True — base characters that amendment proposes to delete.

A *delta* is the Yjs change format: retain / insert / delete operations. Every length and index in
this module counts Python characters (code points). pycrdt counts UTF-8 bytes and Yjs UTF-16 units;
`drafting.positions` converts at the edge, in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

INS = "ins"
DEL_PREFIX = "del:"

Attrs: TypeAlias = Mapping[str, Any]


def del_key(amendment_id: str) -> str:
    """The attribute key that marks text for deletion by ``amendment_id``."""
    return DEL_PREFIX + amendment_id


def ins_id(attrs: Attrs) -> str | None:
    """The amendment whose insertion these characters are, if any."""
    value = attrs.get(INS)
    return value if isinstance(value, str) and value else None


_NONE: frozenset[str] = frozenset()


def del_ids(attrs: Attrs) -> frozenset[str]:
    """The amendments that propose deleting these characters."""
    skip = len(DEL_PREFIX)
    found = [key[skip:] for key, value in attrs.items() if value and key.startswith(DEL_PREFIX)]
    return frozenset(found) if found else _NONE


def amendment_ids(attrs: Attrs) -> frozenset[str]:
    """Every amendment these characters take part in."""
    found = del_ids(attrs)
    owner = ins_id(attrs)
    return found | {owner} if owner else found


def marked_ids(runs: Iterable[Run]) -> tuple[set[str], set[str]]:
    """The amendments inserting text in ``runs``, and those marking some of it for deletion
    (`ins_id` and `del_ids` of every run, in one loop: no set built per run)."""
    inserting: set[str] = set()
    deleting: set[str] = set()
    for run in runs:
        for key, value in run.attrs.items():
            if key == INS:
                if isinstance(value, str) and value:
                    inserting.add(value)
            elif value and key.startswith(DEL_PREFIX):
                deleting.add(key[len(DEL_PREFIX) :])
    return inserting, deleting


@dataclass(frozen=True)
class Run:
    """A stretch of text whose characters all carry the same attributes."""

    text: str
    attrs: Attrs = field(default_factory=dict)


Runs: TypeAlias = tuple[Run, ...]


@dataclass(frozen=True)
class Retain:
    """Keep ``count`` characters; with ``attrs``, set (value) or remove (None) those attributes."""

    count: int
    attrs: Attrs | None = None


@dataclass(frozen=True)
class Insert:
    """Insert ``text`` carrying ``attrs``."""

    text: str
    attrs: Attrs | None = None


@dataclass(frozen=True)
class Delete:
    """Remove ``count`` characters."""

    count: int


Op: TypeAlias = Retain | Insert | Delete
Delta: TypeAlias = tuple[Op, ...]


def clean_attrs(attrs: Attrs | None) -> dict[str, Any]:
    """Attributes as stored: no None values (Yjs reads None as 'absent')."""
    return {k: v for k, v in (attrs or {}).items() if v is not None and v is not False}


def _cleaned(attrs: Attrs) -> dict[str, Any]:
    """`clean_attrs`, but ``attrs`` itself when it is already a clean dict (runs never change
    their attributes, so sharing them is safe). Most runs are: no copy per run per keystroke."""
    if type(attrs) is dict:
        for value in attrs.values():
            if value is None or value is False:
                break
        else:
            return attrs
    return clean_attrs(attrs)


def normalize(runs: Iterable[Run]) -> Runs:
    """Merge neighbours with equal attributes and drop empty runs."""
    out: list[Run] = []
    last: dict[str, Any] | None = None  # the attributes of out[-1]
    for run in runs:
        if not run.text:
            continue
        attrs = _cleaned(run.attrs)
        if last is not None and (last is attrs or last == attrs):
            out[-1] = Run(out[-1].text + run.text, last)
        else:
            out.append(run if attrs is run.attrs else Run(run.text, attrs))
            last = attrs
    return tuple(out)


def runs_of(*pieces: str | tuple[str, Attrs]) -> Runs:
    """Build runs tersely: ``runs_of("We ", ("strongly ", {"ins": "a1"}), "recommend")``."""
    return normalize(Run(p, {}) if isinstance(p, str) else Run(p[0], p[1]) for p in pieces)


def plain(runs: Iterable[Run]) -> str:
    """The characters of the runs, attributes ignored."""
    return "".join(run.text for run in runs)


def length(runs: Iterable[Run]) -> int:
    return sum(len(run.text) for run in runs)


def characters(runs: Iterable[Run]) -> Iterator[tuple[str, Attrs]]:
    """Each character with its attributes."""
    for run in runs:
        for ch in run.text:
            yield ch, run.attrs


class DeltaError(ValueError):
    """A delta that does not fit the text it is applied to."""


def _with_format(attrs: Attrs, change: Attrs | None) -> dict[str, Any]:
    merged = dict(attrs)
    for key, value in (change or {}).items():
        if value is None or value is False:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def apply_delta(runs: Sequence[Run], delta: Iterable[Op]) -> Runs:
    """The runs after ``delta``; raises `DeltaError` when it retains or deletes past the end.

    One pass with a cursor (run ``index``, characters ``offset`` into it): a keystroke in a
    long paragraph costs one walk over its runs, not one per operation."""
    out: list[Run] = []
    index, offset = 0, 0
    for op in delta:
        if isinstance(op, Insert):
            out.append(Run(op.text, clean_attrs(op.attrs)))
            continue
        count = op.count
        if count < 0:
            raise DeltaError(f"{type(op).__name__.lower()} {count} past the end of the text")
        keep = isinstance(op, Retain)
        change = op.attrs if isinstance(op, Retain) else None
        if keep and not change and offset == 0:  # whole runs kept as they are: no copy
            start = index
            while index < len(runs) and len(runs[index].text) <= count:
                count -= len(runs[index].text)
                index += 1
            out.extend(runs[start:index])
        while count:
            if index == len(runs):
                kind = type(op).__name__.lower()
                raise DeltaError(f"{kind} {op.count} past the end of the text")
            run = runs[index]
            size = len(run.text)
            take = min(size - offset, count)
            if keep:
                piece = run if take == size else Run(run.text[offset : offset + take], run.attrs)
                if change:
                    piece = Run(piece.text, _with_format(piece.attrs, change))
                out.append(piece)
            count -= take
            offset += take
            if offset == size:
                index, offset = index + 1, 0
    if index < len(runs):
        if offset:
            run = runs[index]
            out.append(Run(run.text[offset:], run.attrs))
            index += 1
        out.extend(runs[index:])
    return normalize(out)


def delta_from_yjs(ops: Iterable[Mapping[str, Any]]) -> Delta:
    """Parse Yjs/Quill JSON delta operations (``{"retain": 3}``, ``{"insert": "x"}``…)."""
    parsed: list[Op] = []
    for op in ops:
        attrs = op.get("attributes")
        if "insert" in op:
            if not isinstance(op["insert"], str):
                raise DeltaError("only text can be inserted into paragraph text")
            parsed.append(Insert(op["insert"], dict(attrs) if attrs else None))
        elif "retain" in op:
            parsed.append(Retain(int(op["retain"]), dict(attrs) if attrs else None))
        elif "delete" in op:
            parsed.append(Delete(int(op["delete"])))
        else:
            raise DeltaError(f"unknown delta operation {sorted(op)}")
    return tuple(parsed)


def delta_to_yjs(delta: Iterable[Op]) -> list[dict[str, Any]]:
    """The JSON form of a delta, as Yjs and Quill write it."""
    out: list[dict[str, Any]] = []
    for op in delta:
        if isinstance(op, Insert):
            item: dict[str, Any] = {"insert": op.text}
        elif isinstance(op, Retain):
            item = {"retain": op.count}
        else:
            item = {"delete": op.count}
        if not isinstance(op, Delete) and op.attrs:
            item["attributes"] = dict(op.attrs)
        out.append(item)
    return out
