"""Text positions in three units, converted in this one place (DESIGN §11).

The core (`drafting.runs`) counts Python characters (code points). pycrdt's `Text` counts UTF-8
bytes in its indices, ``len()`` and event deltas; Yjs in the browser counts UTF-16 code units.
Measured with pycrdt 0.14.13:

- ``len(Text("aé中😀b")) == 11`` (1 + 2 + 3 + 4 + 1 bytes; the same string is 6 UTF-16 units and
  5 code points);
- ``insert``/``del``/``format`` take byte offsets, but ``text[i:j]`` slices ``str(text)`` and so
  reads code points: ``del t[0:2]`` and ``t[0:2]`` do not address the same characters;
- an offset inside a multi-byte character does not raise: an insert lands at the end of the text,
  a delete removes characters at the end, a format becomes an empty insert at the end. Event deltas
  report where the change really went, so converting *event* deltas is exact; offsets we compute
  ourselves must land on a character boundary, hence `PositionError`.

A delta's retain/delete counts depend on the text they walk over, so converting a delta needs the
text before it; inserted strings need no conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from drafting.runs import Delete, Delta, DeltaError, Insert, Op, Retain


class Unit(StrEnum):
    CODE_POINT = "code_point"
    UTF8 = "utf8"
    UTF16 = "utf16"


class PositionError(DeltaError):
    """An offset that falls inside a character, or past the end of the text."""

    def __init__(self, unit: Unit, offset: int, reason: str) -> None:
        super().__init__(f"{unit.value} offset {offset} {reason}")
        self.unit = unit
        self.offset = offset


def _utf8_width(ch: str) -> int:
    code = ord(ch)
    if code < 0x80:
        return 1
    if code < 0x800:
        return 2
    return 3 if code < 0x10000 else 4


def _utf16_width(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _code_point_width(ch: str) -> int:
    return 1


_WIDTH: dict[Unit, Callable[[str], int]] = {
    Unit.CODE_POINT: _code_point_width,
    Unit.UTF8: _utf8_width,
    Unit.UTF16: _utf16_width,
}


def measure(text: str, unit: Unit) -> int:
    """The length of ``text`` in ``unit``."""
    if unit is Unit.CODE_POINT or text.isascii():
        return len(text)
    width = _WIDTH[unit]
    return sum(width(ch) for ch in text)


def to_offset(text: str, index: int, unit: Unit) -> int:
    """The offset in ``unit`` of code point ``index`` of ``text``."""
    if not 0 <= index <= len(text):
        raise PositionError(Unit.CODE_POINT, index, f"is outside a text of {len(text)}")
    return measure(text[:index], unit)


def from_offset(text: str, offset: int, unit: Unit) -> int:
    """The code point index at ``offset`` (counted in ``unit``) of ``text``."""
    return _advance(text, 0, offset, unit)


def convert_offset(text: str, offset: int, source: Unit, target: Unit) -> int:
    """An offset into ``text`` counted in ``source``, counted in ``target``."""
    return to_offset(text, from_offset(text, offset, source), target)


def _advance(text: str, start: int, count: int, unit: Unit) -> int:
    """The code point index ``count`` units after code point ``start``."""
    if count < 0:
        raise PositionError(unit, count, "is negative")
    if unit is Unit.CODE_POINT or text.isascii():
        if start + count > len(text):
            raise PositionError(unit, count, "runs past the end of the text")
        return start + count
    width = _WIDTH[unit]
    index, walked = start, 0
    while walked < count:
        if index >= len(text):
            raise PositionError(unit, count, "runs past the end of the text")
        walked += width(text[index])
        index += 1
    if walked > count:
        raise PositionError(unit, count, f"falls inside the character {text[index - 1]!r}")
    return index


def convert_delta(before: str, delta: Iterable[Op], source: Unit, target: Unit) -> Delta:
    """``delta`` (which applies to ``before``) with counts in ``target`` instead of ``source``."""
    out: list[Op] = []
    cursor = 0
    for op in delta:
        if isinstance(op, Insert):
            out.append(op)
            continue
        end = _advance(before, cursor, op.count, source)
        count = measure(before[cursor:end], target)
        out.append(Retain(count, op.attrs) if isinstance(op, Retain) else Delete(count))
        cursor = end
    return tuple(out)


def delta_from_utf8(before: str, delta: Iterable[Op]) -> Delta:
    """A pycrdt event delta (UTF-8 byte counts) in code points."""
    return convert_delta(before, delta, Unit.UTF8, Unit.CODE_POINT)


def delta_to_utf8(before: str, delta: Iterable[Op]) -> Delta:
    """A code point delta in UTF-8 byte counts, for pycrdt."""
    return convert_delta(before, delta, Unit.CODE_POINT, Unit.UTF8)


def delta_from_utf16(before: str, delta: Iterable[Op]) -> Delta:
    """A Yjs (browser) delta in UTF-16 code units, in code points."""
    return convert_delta(before, delta, Unit.UTF16, Unit.CODE_POINT)


def delta_to_utf16(before: str, delta: Iterable[Op]) -> Delta:
    """A code point delta in UTF-16 code units, for Yjs in the browser."""
    return convert_delta(before, delta, Unit.CODE_POINT, Unit.UTF16)
