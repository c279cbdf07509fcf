r"""Bracket notation: how the room sees a paragraph; a machine form that round-trips (DESIGN §5).

**Compilation** (`compilation`) — for people: every pending change in square brackets followed by
``·`` and its tag (proposer, then supporters: ``BRA,ZAF``)::

    We [strongly]·BRA,ZAF recommend [~~enhanced~~]·USA cooperation

- a deletion is struck, ``[~~enhanced~~]·USA``;
- whitespace at the edge of struck text is written outside the tildes, and at the edge of a
  bracket outside the bracket: ``We [strongly]·BRA recommend`` for the insertion ``"strongly "``
  (Markdown then renders the strike, and a tag never runs into the next word); struck whitespace
  is shown as ``~~ ~~`` only when it is all the bracket holds;
- a replacement (one id marks and inserts next to it) is one bracket, ``[~~old~~ new]·USA``; a
  space is shown between struck and new text when neither side has one (display only);
- several amendments on the same text nest, the longer reach outside:
  ``[~~strongly~~ [~~enhanced~~]·EU]·USA``; marks that cross are split where they cross;
- competing insertions in one gap stay side by side, ``[accord]·A[protocol]·B``; an insertion
  inside another's insertion nests, ``[a new [and binding]·EU protocol]·USA``.

**Clean text** (`clean`) — base text only: pending insertions dropped, marked text kept.

**Markup** (`to_markup`, `from_markup`) — for machines, CriticMarkup with amendment ids.
``from_markup(to_markup(runs)) == normalize(runs)`` for every paragraph of the model. Grammar::

    markup  = { text | insert | delete }
    insert  = "{++" "[" id "]" " " text "++}"                 (characters with ins = id)
    delete  = "{--" "[" id { "," id } "]" " " text "--}"      (base characters, del:<id> each)
    text    = { char | "\" any }      char = any but "\" "{" "}"
    id      = ( idchar | "\" any )+   idchar = any but "\" "{" "}" "[" "]" ","

Plain ``text`` outside braces is base text with no mark. A backslash makes the next character
literal (the writer escapes only what it must: ``\ { }`` in text, ``\ { } [ ] ,`` in ids). The
space after the header is mandatory and not part of the text; a body ends at its first unescaped
``}``, whose two preceding characters must be the unescaped ``++`` or ``--``. Deletion ids are
written sorted. Attributes outside the model (formatting, ``del:`` on inserted text) are refused
by `to_markup` rather than silently lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from drafting.errors import DraftingError, ErrorCode
from drafting.runs import DEL_PREFIX, INS, Run, Runs, del_ids, del_key, ins_id, normalize


@dataclass(frozen=True)
class _Segment:
    text: str
    ins: str | None
    dels: frozenset[str]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.ins,)) if self.ins else self.dels


def _segments(runs: Iterable[Run]) -> list[_Segment]:
    return [_Segment(r.text, ins_id(r.attrs), del_ids(r.attrs)) for r in normalize(runs)]


def clean(runs: Iterable[Run]) -> str:
    """The base text: pending insertions left out, text marked for deletion kept."""
    return "".join(run.text for run in runs if ins_id(run.attrs) is None)


# --- compilation -------------------------------------------------------------------------------


def compilation(runs: Iterable[Run], tags: Mapping[str, str]) -> str:
    """The paragraph with every pending change bracketed and tagged; unknown ids tag themselves."""
    segments = _segments(runs)
    return _render(segments, 0, len(segments), frozenset(), tags)


def _reach(segments: list[_Segment], amendment: str, start: int, stop: int) -> int:
    """The last segment that one bracket of ``amendment``, opened at ``start``, covers.

    A bracket covers the amendment's own text and other insertions nested in it: it may pass over
    others' insertions only to reach more of the same kind (inserted or marked) of its own text.
    Base text the amendment does not mark always ends it.
    """
    last, kind, passing = start, segments[start].ins == amendment, False
    for index in range(start + 1, stop):
        segment = segments[index]
        if amendment in segment.ids:
            if passing and (segment.ins == amendment) != kind:
                break
            last, kind, passing = index, segment.ins == amendment, False
        elif segment.ins is not None:
            passing = True
        else:
            break
    return last


def _render(
    segments: list[_Segment], start: int, stop: int, open_: frozenset[str], tags: Mapping[str, str]
) -> str:
    parts: list[tuple[str, bool | None]] = []  # (text, struck) or (nested bracket, None)
    index = start
    while index < stop:
        segment = segments[index]
        fresh = segment.ids - open_
        if not fresh:
            parts.append((segment.text, segment.ins is None and bool(segment.dels)))
            index += 1
            continue
        outer = max(sorted(fresh), key=lambda a: _reach(segments, a, index, stop))
        last = _reach(segments, outer, index, stop)
        inner = _render(segments, index, last + 1, open_ | {outer}, tags)
        lead, core, trail = _edges(inner)
        parts.append((lead + "[" + core + "]·" + tags.get(outer, outer) + trail, None))
        index = last + 1
    return _join(parts, bool(open_))


def _edges(text: str) -> tuple[str, str, str]:
    """Leading whitespace, the rest, trailing whitespace; all-whitespace text is all core."""
    core = text.strip()
    if not core:
        return "", text, ""
    start = len(text) - len(text.lstrip())
    return text[:start], core, text[start + len(core) :]


def _join(parts: list[tuple[str, bool | None]], inside: bool) -> str:
    """Join a bracket's parts; inside one, a space separates parts of different looks."""
    merged: list[tuple[str, bool | None]] = []
    for text, struck in parts:
        if merged and struck is not None and merged[-1][1] == struck:
            merged[-1] = (merged[-1][0] + text, struck)
        else:
            merged.append((text, struck))
    out: list[str] = []
    for position, (text, struck) in enumerate(merged):
        lead, core, trail = _edges(text)
        if struck and core.strip():
            out.append(lead + "~~" + core + "~~" + trail)
        else:
            out.append("~~" + text + "~~" if struck and len(merged) == 1 else text)
        after = merged[position + 1] if position + 1 < len(merged) else None
        if (
            inside
            and after is not None
            and after[1] != struck
            and not text[-1:].isspace()
            and not after[0][:1].isspace()
        ):
            out.append(" ")
    return "".join(out)


# --- markup ------------------------------------------------------------------------------------

_TEXT_SPECIAL = frozenset("\\{}")
_ID_SPECIAL = frozenset("\\{}[],")


class MarkupError(DraftingError, ValueError):
    """Markup that does not parse; ``position`` is the offending index in the markup string."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(ErrorCode.INVALID, f"{message} at position {position}", position=position)
        self.position = position


def _escape(text: str, special: frozenset[str]) -> str:
    return "".join("\\" + ch if ch in special else ch for ch in text)


def _check(run: Run) -> None:
    for key, value in run.attrs.items():
        if key == INS and isinstance(value, str) and value:
            continue
        if key.startswith(DEL_PREFIX) and len(key) > len(DEL_PREFIX) and value is True:
            continue
        raise ValueError(f"attribute {key}={value!r} is outside the suggestion model")
    if ins_id(run.attrs) and del_ids(run.attrs):
        raise ValueError(f"inserted text {run.text!r} carries deletion marks")


def to_markup(runs: Iterable[Run]) -> str:
    """The machine-readable form of a paragraph (grammar in the module docstring)."""
    out: list[str] = []
    for run in normalize(runs):
        _check(run)
        body = _escape(run.text, _TEXT_SPECIAL)
        owner, marks = ins_id(run.attrs), del_ids(run.attrs)
        if owner:
            out.append("{++[" + _escape(owner, _ID_SPECIAL) + "] " + body + "++}")
        elif marks:
            header = ",".join(_escape(m, _ID_SPECIAL) for m in sorted(marks))
            out.append("{--[" + header + "] " + body + "--}")
        else:
            out.append(body)
    return "".join(out)


def from_markup(markup: str) -> Runs:
    """Parse `to_markup`'s form back into (normalized) runs; raises `MarkupError`."""
    return _Parser(markup).parse()


class _Parser:
    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.at = 0

    def fail(self, message: str, position: int | None = None) -> MarkupError:
        return MarkupError(message, self.at if position is None else position)

    def parse(self) -> Runs:
        runs: list[Run] = []
        text: list[str] = []
        while self.at < len(self.markup):
            ch = self.markup[self.at]
            if ch == "\\":
                text.append(self.escaped())
            elif ch == "}":
                raise self.fail("unescaped '}' outside a change")
            elif ch == "{":
                runs.append(Run("".join(text)))
                text = []
                runs.append(self.change())
            else:
                text.append(ch)
                self.at += 1
        runs.append(Run("".join(text)))
        return normalize(runs)

    def escaped(self) -> str:
        if self.at + 1 >= len(self.markup):
            raise self.fail("backslash at the end of the markup")
        self.at += 2
        return self.markup[self.at - 1]

    def change(self) -> Run:
        opener = self.markup[self.at : self.at + 3]
        if opener not in ("{++", "{--"):
            raise self.fail("expected '{++' or '{--'")
        self.at += 3
        ids = self.header()
        if opener == "{++" and len(ids) != 1:
            raise self.fail("an insertion carries exactly one amendment id")
        body = self.body(opener[1])
        if opener == "{++":
            return Run(body, {INS: ids[0]})
        return Run(body, {del_key(i): True for i in ids})

    def header(self) -> list[str]:
        if self.markup[self.at : self.at + 1] != "[":
            raise self.fail("expected '[' and amendment ids")
        self.at += 1
        ids: list[str] = []
        current: list[str] = []
        while True:
            if self.at >= len(self.markup):
                raise self.fail("unterminated amendment ids")
            ch = self.markup[self.at]
            if ch == "\\":
                current.append(self.escaped())
                continue
            if ch in "{}[":
                raise self.fail(f"unescaped {ch!r} in amendment ids")
            self.at += 1
            if ch in ",]":
                if not current:
                    raise self.fail("empty amendment id", self.at - 1)
                ids.append("".join(current))
                current = []
                if ch == "]":
                    break
            else:
                current.append(ch)
        if self.markup[self.at : self.at + 1] != " ":
            raise self.fail("expected a space after the amendment ids")
        self.at += 1
        return ids

    def body(self, sign: str) -> str:
        chars: list[tuple[str, bool]] = []  # (character, was escaped)
        while True:
            if self.at >= len(self.markup):
                raise self.fail(f"unterminated change, expected '{sign * 2}}}'")
            ch = self.markup[self.at]
            if ch == "\\":
                chars.append((self.escaped(), True))
            elif ch == "{":
                raise self.fail("unescaped '{' inside a change")
            elif ch == "}":
                if len(chars) < 2 or chars[-2:] != [(sign, False), (sign, False)]:
                    raise self.fail(f"expected '{sign * 2}}}' to close the change")
                self.at += 1
                return "".join(c for c, _ in chars[:-2])
            else:
                chars.append((ch, False))
                self.at += 1
