r"""Reading square brackets back: the compilation notation of `drafting.brackets` as amendments.

A draft typed or exported in the room's notation carries its pending amendments in brackets::

    We [strongly]·BRA,ZAF recommend [~~enhanced~~]·USA cooperation [among States]

- ``[text]`` proposes inserting ``text``; ``[~~text~~]`` proposes deleting it; ``[~~old~~ new]``
  proposes a replacement (one amendment); brackets nest (``[~~a~~ [~~b~~]·EU]·USA``) and
  competing insertions sit side by side (``[accord]·A[protocol]·B``);
- ``·`` and a tag name the proposer, then its supporters (``BRA,ZAF``); an untagged bracket's
  sponsors are empty: the caller decides whose it is (the delegation given on import);
- ``\[`` and ``\]`` are literal brackets; ``~~`` outside a bracket is only Markdown strike.

Whitespace is put back where the room would have typed it: the compilation writes whitespace at a
bracket's edge outside it, so a bracket standing between two spaces takes the space after it
(``We [strongly]·BRA recommend`` is base "We recommend" with "strongly " inserted), and one
between a space and punctuation or the end takes the space before it (``States [all]·X.``
inserts " all"). The space the compilation shows between struck and new words of a replacement
is display only. So accepting or rejecting any amendment read here leaves single spaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from drafting.errors import DraftingError, ErrorCode
from drafting.runs import INS, Run, Runs, del_ids, del_key, ins_id, normalize

TAG_MARK = "·"
_TAG_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class BracketError(DraftingError, ValueError):
    """Brackets that do not pair up; ``position`` is the offending index in the text."""

    def __init__(self, message: str, text: str, position: int) -> None:
        near = text[max(0, position - 20) : position + 20]
        super().__init__(
            ErrorCode.INVALID,
            f"{message} at character {position + 1} (near {near!r})",
            position=position,
        )
        self.position = position


@dataclass(frozen=True)
class Pending:
    """An amendment read from the text: its id in the runs, and who the tag names (proposer
    first, then supporters; empty when the bracket had no tag)."""

    id: str
    sponsors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bracketed:
    """A paragraph's text with its pending amendments as suggestion marks (DESIGN §5)."""

    runs: Runs
    pending: tuple[Pending, ...] = ()


# --- parsing into a tree -----------------------------------------------------------------------


@dataclass
class _Bracket:
    start: int
    items: list[str | _Struck | _Bracket] = field(default_factory=list)
    tag: tuple[str, ...] = ()
    id: str = ""


@dataclass(frozen=True)
class _Struck:
    text: str


def _tree(text: str) -> list[str | _Struck | _Bracket]:
    top: list[str | _Struck | _Bracket] = []
    stack: list[_Bracket] = []
    plain: list[str] = []
    at = 0

    def items() -> list[str | _Struck | _Bracket]:
        return stack[-1].items if stack else top

    def flush() -> None:
        if plain:
            items().append("".join(plain))
            plain.clear()

    while at < len(text):
        ch = text[at]
        if ch == "\\" and text[at + 1 : at + 2] in ("[", "]", "\\", "~"):
            plain.append(text[at + 1])
            at += 2
        elif ch == "[":
            flush()
            stack.append(_Bracket(at))
            at += 1
        elif ch == "]":
            if not stack:
                raise BracketError("']' without its '['", text, at)
            flush()
            bracket = stack.pop()
            at, bracket.tag = _tag(text, at + 1)
            if not bracket.items:
                raise BracketError("empty brackets", text, bracket.start)
            items().append(bracket)
        elif ch == "~" and stack and text.startswith("~~", at):
            end = text.find("~~", at + 2)
            if end < 0:
                raise BracketError("'~~' without its closing '~~'", text, at)
            flush()
            items().append(_Struck(text[at + 2 : end]))
            at = end + 2
        else:
            plain.append(ch)
            at += 1
    if stack:
        raise BracketError("'[' without its ']'", text, stack[-1].start)
    flush()
    return top


def _tag(text: str, at: int) -> tuple[int, tuple[str, ...]]:
    """The codes after ``·`` (if any) and the index after them."""
    if text[at : at + 1] != TAG_MARK:
        return at, ()
    end = at + 1
    while end < len(text) and (text[end] in _TAG_CHARS or text[end] == ","):
        end += 1
    codes = tuple(code for code in text[at + 1 : end].split(",") if code)
    if not codes:
        raise BracketError(f"'{TAG_MARK}' without a delegation code", text, at)
    # A trailing comma is punctuation after the tag, not part of it.
    while text[end - 1] == ",":
        end -= 1
    return end, codes


# --- flattening into characters ------------------------------------------------------------------

_Char = tuple[str, dict[str, Any], tuple[str, ...]]  # character, marks, the brackets around it


def _characters(
    items: Sequence[str | _Struck | _Bracket], chain: tuple[str, ...]
) -> Iterator[_Char]:
    """Each character with its marks: plain text in a bracket is its insertion; struck text is
    base text marked by every bracket around it (a bracket covers only its own marked text)."""
    for index, item in enumerate(_display_spaces(items, bool(chain))):
        if isinstance(item, _Bracket):
            yield from _characters(item.items, (*chain, item.id))
        elif isinstance(item, _Struck) or (
            isinstance(item, str) and chain and item.isspace() and _between_struck(items, index)
        ):
            text = item.text if isinstance(item, _Struck) else item
            for ch in text:
                yield ch, {del_key(a): True for a in chain}, chain
        else:
            for ch in item:
                yield ch, ({INS: chain[-1]} if chain else {}), chain


def _display_spaces(
    items: Sequence[str | _Struck | _Bracket], inside: bool
) -> list[str | _Struck | _Bracket]:
    """Inside a bracket, one space between struck and new words is the compilation's, not text."""
    if not inside:
        return list(items)
    out = list(items)
    for index, item in enumerate(out):
        if not isinstance(item, str) or (item.isspace() and _between_struck(out, index)):
            continue
        if index > 0 and isinstance(out[index - 1], _Struck) and item[:1].isspace():
            item = item[1:]
        if index + 1 < len(out) and isinstance(out[index + 1], _Struck) and item[-1:].isspace():
            item = item[:-1]
        out[index] = item
    return out


def _between_struck(items: Sequence[str | _Struck | _Bracket], index: int) -> bool:
    """Whitespace between struck text and a nested bracket: struck whitespace."""
    before = items[index - 1] if index > 0 else None
    after = items[index + 1] if index + 1 < len(items) else None
    looks = {type(before), type(after)}
    return _Struck in looks and looks <= {_Struck, _Bracket}


def _number(items: list[str | _Struck | _Bracket], prefix: str, start: int) -> list[_Bracket]:
    """Give every bracket an id, in reading order; returns them in that order."""
    found: list[_Bracket] = []
    for item in items:
        if isinstance(item, _Bracket):
            item.id = f"{prefix}{start + len(found)}"
            found.append(item)
            found.extend(_number(item.items, prefix, start + len(found)))
    return found


# --- whitespace at a bracket's edge --------------------------------------------------------------

_Span = tuple[int, int, str]  # start, end, bracket id


def _tidy(chars: list[_Char], level: tuple[str, ...]) -> None:
    """Give each bracket directly inside ``level`` the space the compilation wrote outside it
    (module docstring), left to right, then do the same inside each of them."""
    groups = [[span[2] for span in group] for group in _groups(chars, level)]
    for group in groups:  # (spans found again each time: tidying moves characters)
        spans = [span for found in _groups(chars, level) for span in found if span[2] in group]
        _tidy_group(chars, spans, level)
    for child in (child for group in groups for child in group):
        _tidy(chars, (*level, child))


def _groups(chars: list[_Char], level: tuple[str, ...]) -> list[list[_Span]]:
    """The brackets directly inside ``level``; adjacent insertions form one group."""
    depth = len(level)
    spans: list[_Span] = []
    for index, (_, _, chain) in enumerate(chars):
        if len(chain) <= depth or chain[:depth] != level:
            continue
        child = chain[depth]
        if spans and spans[-1][2] == child and spans[-1][1] == index:
            spans[-1] = (spans[-1][0], index + 1, child)
        else:
            spans.append((index, index + 1, child))
    groups: list[list[_Span]] = []
    for span in spans:
        previous = groups[-1] if groups else None
        if previous and previous[-1][1] == span[0] and _inserts(chars, [*previous, span]):
            previous.append(span)
        else:
            groups.append([span])
    return groups


def _inserts(chars: list[_Char], spans: list[_Span]) -> bool:
    return all(ins_id(chars[i][1]) is not None for s, e, _ in spans for i in range(s, e))


def _deletes(chars: list[_Char], span: _Span) -> bool:
    return all(ins_id(chars[i][1]) is None for i in range(span[0], span[1]))


def _space(chars: list[_Char], index: int, level: tuple[str, ...], *, own: bool = False) -> bool:
    """Base whitespace around the brackets of ``level`` (``own``: marked by no other bracket)."""
    if not 0 <= index < len(chars):
        return False
    ch, attrs, chain = chars[index]
    at_level = chain == level if own else chain[: len(level)] == level
    return ch.isspace() and ins_id(attrs) is None and at_level


def _closing(chars: list[_Char], index: int, level: tuple[str, ...]) -> bool:
    """The end of the text, or punctuation: a bracket before it takes the space before it."""
    if index >= len(chars):
        return True
    ch, _, chain = chars[index]
    return chain == level and not ch.isspace() and not ch.isalnum()


def _tidy_group(chars: list[_Char], group: list[_Span], level: tuple[str, ...]) -> None:
    start, end = group[0][0], group[-1][1]
    before = chars[start - 1] if start > 0 else None  # any whitespace: base, or a neighbour's
    space_before = (
        before[0].isspace() and before[2][: len(level)] == level
        if before is not None
        else not level
    )
    if _inserts(chars, group):
        if space_before and _space(chars, end, level, own=True):
            ch = chars.pop(end)[0]
            for _, e, child in reversed(group):
                chars.insert(e, (ch, {INS: child}, (*level, child)))
        elif _space(chars, start - 1, level, own=True) and _closing(chars, end, level):
            ch = chars.pop(start - 1)[0]
            for s, _, child in reversed(group):
                chars.insert(s - 1, (ch, {INS: child}, (*level, child)))
    elif len(group) == 1 and _deletes(chars, group[0]):
        child = group[0][2]
        if space_before and _space(chars, end, level):
            mark = end
        elif _space(chars, start - 1, level) and _closing(chars, end, level):
            mark = start - 1
        else:
            return
        ch, attrs, _ = chars[mark]
        chars[mark] = (ch, {**attrs, del_key(child): True}, (*level, child))


def read_brackets(text: str, prefix: str = "b", start: int = 1) -> Bracketed:
    """The runs and pending amendments ``text`` shows in brackets (module docstring). Ids are
    ``prefix`` + a number counted from ``start``; raises `BracketError` on unpaired brackets."""
    tree = _tree(text)
    brackets = _number(tree, prefix, start)
    chars = list(_characters(tree, ()))
    _tidy(chars, ())
    runs = normalize(Run(ch, attrs) for ch, attrs, _ in chars)
    present = {a for run in runs for a in del_ids(run.attrs) | {ins_id(run.attrs)}}
    pending = tuple(Pending(b.id, b.tag) for b in brackets if b.id in present)
    return Bracketed(runs, pending)
