"""Redlines: what changed between two versions of a paragraph or of a whole draft (DESIGN §5).

The diff is word-level. Text is cut into *tokens*: a word, or one punctuation mark, symbol or
Han/Kana character (scripts written without spaces), each with the whitespace before it, and with
its combining marks, emoji modifiers and zero-width-joiner sequences. Each distinct token is mapped
to one character and diff-match-patch diffs those strings (as its line mode does); an equality no
wider, in characters, than the changes on both sides of it joins them (dmp's semantic cleanup).
So a change never splits a word. Then, for readability:

- whitespace common to both sides of a replacement stays outside it (`` enhanced`` → ``improved``
  becomes ``enhanced`` → ``improved`` after a shared space);
- an insertion or deletion slides so its whitespace trails it: ``We [strongly ]recommend``;
- changes separated only by whitespace or punctuation fold into one, so "the big red dog" → "the
  small blue dog" reads ``{~~big red~>small blue~~}`` rather than two changes.

Invariant (property-tested): joining the ``equal`` and ``insert`` texts gives the new text; joining
the ``equal`` and ``delete`` texts gives the old one. Within a change, the deletion comes first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from diff_match_patch import diff_match_patch


class ChangeKind(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class Change:
    """A stretch of text that both versions share, or that only the new / old version has."""

    kind: ChangeKind
    text: str


class ParagraphChange(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ParagraphRedline:
    """One paragraph of a draft redline; ``old``/``new`` are None when it is added/removed."""

    id: str
    status: ParagraphChange
    old: str | None
    new: str | None
    changes: tuple[Change, ...]


# --- tokens ------------------------------------------------------------------------------------

_JOINERS = {"\u200d"}  # zero-width joiner: the next character belongs to the same token


def _is_word(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN" or ch == "_"


def _is_unspaced(ch: str) -> bool:
    """Han, Kana and other scripts written without spaces: one character is one token."""
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= cp <= 0x4DBF  # CJK extension A
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= cp <= 0x3134F  # CJK extensions B to G
        or 0x0E00 <= cp <= 0x0EFF  # Thai, Lao
    )


def _extends(ch: str) -> bool:
    """Characters that never start a token: combining marks, variation selectors, skin tones."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch in _JOINERS
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences
    )


def _kind(ch: str) -> str:
    return "word" if _is_word(ch) and not _is_unspaced(ch) else "single"


def tokens(text: str) -> Iterator[str]:
    """Cut text into tokens (module docstring); their concatenation is ``text``."""
    at, end = 0, len(text)
    while at < end:
        start = at
        while at < end and text[at].isspace():
            at += 1
        if at < end:
            kind = _kind(text[at])
            at += 1
            while at < end and (
                _extends(text[at])
                or text[at - 1] in _JOINERS
                or (kind == "word" and _kind(text[at]) == "word")
            ):
                at += 1
        yield text[start:at]


# --- diff --------------------------------------------------------------------------------------


def _encode(text: str, table: dict[str, str], back: list[str]) -> str:
    out = []
    for token in tokens(text):
        code = table.get(token)
        if code is None:
            index = len(back)
            code = chr(index + 1 if index + 1 < 0xD800 else index + 1 + 0x800)  # skip surrogates
            table[token] = code
            back.append(token)
        out.append(code)
    return "".join(out)


def _word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """diff-match-patch over tokens, semantically cleaned; ops are -1 delete, 0 equal, 1 insert."""
    table: dict[str, str] = {}
    back: list[str] = []
    a, b = _encode(old, table, back), _encode(new, table, back)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # deterministic: paragraphs are small
    diffs: list[tuple[int, str]] = dmp.diff_main(a, b, False)
    decode = {code: token for token, code in table.items()}
    _eliminate_thin_equalities(diffs, lambda coded: sum(len(decode[c]) for c in coded))
    dmp.diff_cleanupMerge(diffs)
    return [(op, "".join(decode[c] for c in coded)) for op, coded in diffs]


def _eliminate_thin_equalities(diffs: list[tuple[int, str]], width: Callable[[str], int]) -> None:
    """The first phase of dmp's ``diff_cleanupSemantic``, measuring tokens in characters.

    An equality no wider than the edits on either side of it becomes part of them. dmp's own
    cleanup would count tokens (a space weighs as much as a word) and its later phases work on
    characters, which would split words.
    """
    equalities: list[int] = []
    last_equality: str | None = None
    inserted_before = deleted_before = inserted_after = deleted_after = 0
    pointer = 0
    while pointer < len(diffs):
        op, coded = diffs[pointer]
        if op == 0:
            equalities.append(pointer)
            inserted_before, inserted_after = inserted_after, 0
            deleted_before, deleted_after = deleted_after, 0
            last_equality = coded
        else:
            if op > 0:
                inserted_after += width(coded)
            else:
                deleted_after += width(coded)
            size = width(last_equality) if last_equality else 0
            if (
                last_equality
                and size <= max(inserted_before, deleted_before)
                and size <= max(inserted_after, deleted_after)
            ):
                diffs.insert(equalities[-1], (-1, last_equality))
                diffs[equalities[-1] + 1] = (1, last_equality)
                equalities.pop()
                if equalities:
                    equalities.pop()
                pointer = equalities[-1] if equalities else -1
                inserted_before = deleted_before = inserted_after = deleted_after = 0
                last_equality = None
        pointer += 1


def _is_filler(text: str) -> bool:
    """An equality too thin to separate two changes: no word or unspaced character in it."""
    return not any(_is_word(ch) for ch in text)


def _common_space(a: str, b: str, step: int) -> int:
    """How many whitespace characters ``a`` and ``b`` share at their start (1) or end (-1)."""
    count = 0
    for x, y in zip(a[::step], b[::step], strict=False):
        if x != y or not x.isspace():
            break
        count += 1
    return count


_SENTINEL = " "  # put before both texts so the first word, like every other, follows a space


def redline(old: str, new: str) -> tuple[Change, ...]:
    """The word-level changes that turn ``old`` into ``new``; changes are whole words."""
    equal: list[str] = [""]  # equal[k] precedes edits[k]; equal[-1] ends the text
    edits: list[tuple[str, str]] = []  # (deleted, inserted)
    for op, text in _word_diff(_SENTINEL + old, _SENTINEL + new):
        if op == 0:
            equal[-1] += text
            continue
        if not edits or equal[-1]:
            edits.append(("", ""))
            equal.append("")
        gone, came = edits[-1]
        edits[-1] = (gone + text, came) if op < 0 else (gone, came + text)
    for k, (gone, came) in enumerate(edits):
        edits[k] = _tidy(equal, k, gone, came)
    if not equal[0].startswith(_SENTINEL):
        raise AssertionError("redline lost its sentinel")  # pragma: no cover - by construction
    equal[0] = equal[0][len(_SENTINEL) :]
    k = 1
    while k < len(edits):  # fold changes that only whitespace or punctuation separates
        if _is_filler(equal[k]):
            (gone, came), between = edits.pop(k), equal.pop(k)
            edits[k - 1] = (edits[k - 1][0] + between + gone, edits[k - 1][1] + between + came)
        else:
            k += 1
    pieces = [(ChangeKind.EQUAL, equal[-1])]
    for k in reversed(range(len(edits))):
        gone, came = edits[k]
        pieces += [
            (ChangeKind.INSERT, came),
            (ChangeKind.DELETE, gone),
            (ChangeKind.EQUAL, equal[k]),
        ]
    out: list[Change] = []
    for kind, text in reversed(pieces):
        if text and out and out[-1].kind is kind:
            out[-1] = Change(kind, out[-1].text + text)
        elif text:
            out.append(Change(kind, text))
    return tuple(out)


def _tidy(equal: list[str], k: int, gone: str, came: str) -> tuple[str, str]:
    """Whitespace shared by a replacement's sides goes to the equalities around it; a lone
    insertion or deletion slides right so that its whitespace trails it."""
    if gone and came:
        head = _common_space(gone, came, 1)
        equal[k] += gone[:head]
        gone, came = gone[head:], came[head:]
        tail = _common_space(gone, came, -1)
        if tail:
            equal[k + 1] = gone[-tail:] + equal[k + 1]
            gone, came = gone[:-tail], came[:-tail]
        return gone, came
    moving = gone or came
    while moving and moving[0].isspace() and equal[k + 1][:1] == moving[0]:
        equal[k] += moving[0]
        moving = moving[1:] + moving[0]
        equal[k + 1] = equal[k + 1][1:]
    return (moving, "") if gone else ("", moving)


def redline_markup(old: str, new: str) -> str:
    """A human redline in CriticMarkup: ``{++new++}``, ``{--old--}``, ``{~~old~>new~~}``.

    For people, not for parsing: text that itself contains CriticMarkup is not escaped.
    """
    out: list[str] = []
    changes = redline(old, new)
    i = 0
    while i < len(changes):
        change = changes[i]
        following = changes[i + 1] if i + 1 < len(changes) else None
        if change.kind is ChangeKind.EQUAL:
            out.append(change.text)
        elif change.kind is ChangeKind.INSERT:
            out.append("{++" + change.text + "++}")
        elif following is not None and following.kind is ChangeKind.INSERT:
            out.append("{~~" + change.text + "~>" + following.text + "~~}")
            i += 1
        else:
            out.append("{--" + change.text + "--}")
        i += 1
    return "".join(out)


def redline_paragraphs(
    old: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]
) -> tuple[ParagraphRedline, ...]:
    """Compare two versions of a draft, given as ``(paragraph id, text)`` in order.

    The result follows the new order; a removed paragraph appears right after the nearest
    paragraph that preceded it in the old version and survives (or first, if none does).
    """
    old_text = _by_id(old, "old")
    new_text = _by_id(new, "new")
    removed_after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for pid, _ in old:
        if pid in new_text:
            anchor = pid
        else:
            removed_after.setdefault(anchor, []).append(pid)

    def removed(after: str | None) -> Iterator[ParagraphRedline]:
        for pid in removed_after.get(after, []):
            text = old_text[pid]
            changes = (Change(ChangeKind.DELETE, text),) if text else ()
            yield ParagraphRedline(pid, ParagraphChange.REMOVED, text, None, changes)

    out = list(removed(None))
    for pid, text in new:
        if pid not in old_text:
            changes = (Change(ChangeKind.INSERT, text),) if text else ()
            out.append(ParagraphRedline(pid, ParagraphChange.ADDED, None, text, changes))
        else:
            before = old_text[pid]
            status = ParagraphChange.UNCHANGED if before == text else ParagraphChange.CHANGED
            out.append(ParagraphRedline(pid, status, before, text, redline(before, text)))
        out.extend(removed(pid))
    return tuple(out)


def _by_id(paragraphs: Sequence[tuple[str, str]], which: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pid, text in paragraphs:
        if pid in found:
            raise ValueError(f"paragraph id {pid!r} appears twice in the {which} version")
        found[pid] = text
    return found
