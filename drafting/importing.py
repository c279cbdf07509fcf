"""Reading a draft from a document: paragraphs, labels and pending amendments (DESIGN §2, §5).

Plain text and Markdown: one paragraph per block (blocks are separated by a blank line); ``# Title``
gives the draft's title, other ``#`` lines are headings. Word documents arrive here as
`SourceParagraph` values (styles and tracked runs, read by the shell).

- A leading label is detected and removed from the text: ``PP1``, ``OP3``, ``OP4bis``, ``12.``
  (also bold, ``**OP1**``, or followed by a tab); ``PP`` means preambular, ``OP`` operative, a
  bare number a plain paragraph. Unlabelled paragraphs take the kind of the one before them.
- Square brackets are pending amendments (`drafting.bracket_reading`), tracked changes are their
  authors' amendments (`drafting.tracked_changes`); a paragraph that is all one insertion is a
  proposed new paragraph (``OP6alt``: an alternative to OP6); a paragraph whose mark a tracked
  change deletes is proposed for deletion. Markdown footnote marks (``[^1]``) are not brackets.
- Our own exports read back: when a document has a ``Compilation`` heading and, after it, a
  ``Clean text`` heading, only the paragraphs between them are the draft; the line
  ``SYMBOL — date`` before them gives the symbol.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from drafting.bracket_reading import BracketError, Pending, read_brackets
from drafting.brackets import clean
from drafting.errors import DraftingError, ErrorCode
from drafting.labels import parse_label
from drafting.runs import Run, Runs, amendment_ids, ins_id, normalize, plain, runs_of
from drafting.tracked_changes import Revision, TrackedRun, has_changes, read_tracked
from drafting.vocabulary import ParagraphKind

_LEADING_LABEL = re.compile(r"^\s*(?:\*\*)?(?P<label>(?:PP|OP)\d+[a-z]*\d*|\d+)(?:\*\*)?[.):]?\s+")
_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]*\]")
_FOOTNOTE = re.compile(r"^\[\^[^\]\s]*\]:")
_SYMBOL_LINE = re.compile(r"^(?P<symbol>\S+) — ")
COMPILATION = "compilation"
CLEAN_TEXT = "clean text"
# Lines our exports add that are not paragraphs of the draft.
_FURNITURE = ("statement on the draft as a whole.", "statements on the draft as a whole")
AMENDMENT_PREFIX = "imp-"


class Style(StrEnum):
    TITLE = "title"
    HEADING = "heading"
    BODY = "body"


@dataclass(frozen=True)
class SourceParagraph:
    """A paragraph as a document holds it: its style, its text as tracked runs, and whether an
    author's tracked change inserted or deleted the paragraph itself (its paragraph mark)."""

    runs: tuple[TrackedRun, ...]
    style: Style = Style.BODY
    mark: Revision | None = None
    mark_author: str = ""

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs if r.revision is not Revision.RETRACTED)


@dataclass(frozen=True)
class ImportedParagraph:
    """A paragraph of an imported draft. ``text`` is its base text; ``runs`` the same text with
    its pending amendments as marks (DESIGN §5), ``pending`` those amendments. A paragraph
    ``proposed_by`` a sponsor is itself a pending proposal (``text`` is its proposed text); one
    with ``deletion_by`` is proposed for deletion by that sponsor."""

    kind: ParagraphKind
    label: str | None
    text: str
    runs: Runs = ()
    pending: tuple[Pending, ...] = ()
    proposed_by: Pending | None = None
    deletion_by: str | None = None


@dataclass(frozen=True)
class ImportedDraft:
    title: str
    paragraphs: tuple[ImportedParagraph, ...]
    symbol: str = ""


def _blocks(source: str) -> list[str]:
    blocks: list[list[str]] = [[]]
    for line in source.replace("\r\n", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [" ".join(b) for b in blocks if b]


def text_paragraphs(source: str) -> list[SourceParagraph]:
    """Plain text or Markdown as source paragraphs (footnote definitions left out)."""
    out: list[SourceParagraph] = []
    for index, block in enumerate(_blocks(source)):
        if _FOOTNOTE.match(block):
            continue
        style = Style.BODY
        if block.startswith("#"):
            style = Style.TITLE if index == 0 and block.startswith("# ") else Style.HEADING
            block = block.lstrip("#").strip()
        out.append(SourceParagraph((TrackedRun(_FOOTNOTE_MARK.sub("", block)),), style))
    return out


def import_text(source: str, default_title: str = "Untitled draft") -> ImportedDraft:
    """The title, paragraphs and pending amendments of a plain-text or Markdown draft."""
    return import_paragraphs(text_paragraphs(source), default_title)


def import_paragraphs(
    sources: Sequence[SourceParagraph], default_title: str = "Untitled draft"
) -> ImportedDraft:
    """The draft that ``sources`` hold (module docstring); raises `DraftingError` (invalid) for
    brackets that do not pair up, quoting the paragraph."""
    front, body, exported = _sections(sources)
    title = next((s.text.strip() for s in front if s.style is Style.TITLE and s.text.strip()), "")
    symbol = ""
    if exported:
        found = (_SYMBOL_LINE.match(s.text.strip()) for s in front if s.style is Style.BODY)
        symbol = next((m["symbol"] for m in found if m), "")
    paragraphs: list[ImportedParagraph] = []
    kind = ParagraphKind.PLAIN
    for source in body:
        text = source.text.strip()
        if not text or text.lower() in _FURNITURE:
            continue
        if source.style is Style.TITLE and not title:
            title = text
            continue
        paragraph = _paragraph(source, kind, sum(len(p.pending) for p in paragraphs) + 1)
        if paragraph.kind != ParagraphKind.HEADING:
            kind = paragraph.kind
        if paragraph.text:
            paragraphs.append(paragraph)
    return ImportedDraft(title or default_title, tuple(paragraphs), symbol)


def _sections(
    sources: Sequence[SourceParagraph],
) -> tuple[Sequence[SourceParagraph], Sequence[SourceParagraph], bool]:
    """Front matter, body, and whether this is one of our exports (module docstring)."""
    headings = [
        (i, s.text.strip().lower()) for i, s in enumerate(sources) if s.style is Style.HEADING
    ]
    start = next((i for i, text in headings if text == COMPILATION), None)
    if start is not None:
        end = next((i for i, text in headings if text == CLEAN_TEXT and i > start), None)
        if end is not None:
            return sources[:start], sources[start + 1 : end], True
    if sources and sources[0].style is Style.TITLE:
        return sources[:1], sources[1:], False
    return (), sources, False


def _paragraph(source: SourceParagraph, previous: ParagraphKind, first: int) -> ImportedParagraph:
    """One paragraph; its amendments are numbered from ``first``."""
    if has_changes(source.runs):
        read = read_tracked(source.runs, AMENDMENT_PREFIX, first)
    else:
        try:
            read = read_brackets(source.text, AMENDMENT_PREFIX, first)
        except BracketError as error:
            where = f"in the paragraph beginning {source.text.strip()[:40]!r}: "
            raise DraftingError(ErrorCode.INVALID, where + error.message) from error
    if source.style is Style.HEADING:
        return ImportedParagraph(
            ParagraphKind.HEADING, None, clean(read.runs), read.runs, read.pending
        )
    label, kind, runs = _label(read.runs, previous)
    whole = _whole_insertion(runs, read.pending)
    if whole is not None:
        return ImportedParagraph(kind, label, plain(runs).strip(), proposed_by=whole)
    base = clean(runs)
    if source.mark is Revision.DELETED:  # the paragraph goes whole: that is the proposal
        return ImportedParagraph(kind, label, base, runs_of(base), deletion_by=source.mark_author)
    present = {a for run in runs for a in amendment_ids(run.attrs)}
    pending = tuple(p for p in read.pending if p.id in present)
    return ImportedParagraph(kind, label, base, runs, pending)


def _label(runs: Runs, previous: ParagraphKind) -> tuple[str | None, ParagraphKind, Runs]:
    """The leading label of the base text, the kind it gives, and the runs without it."""
    if not runs or runs[0].attrs:
        return None, previous, runs
    head = runs[0].text
    match = _LEADING_LABEL.match(head if len(runs) == 1 else head + " ")
    parsed = parse_label(match["label"]) if match else None
    if match is None or parsed is None:
        return None, previous, runs
    rest = (Run(head[match.end() :]), *runs[1:])
    kind = {"PP": ParagraphKind.PREAMBULAR, "OP": ParagraphKind.OPERATIVE}.get(
        parsed.prefix, ParagraphKind.PLAIN
    )
    return match["label"], kind, _lstrip(rest)


def _lstrip(runs: Sequence[Run]) -> Runs:
    out = list(normalize(runs))
    while out and not out[0].text.strip():
        out.pop(0)
    if out:
        out[0] = Run(out[0].text.lstrip(), out[0].attrs)
    return tuple(out)


def _whole_insertion(runs: Runs, pending: Sequence[Pending]) -> Pending | None:
    """The amendment whose insertion is the whole paragraph, if one is."""
    owners = {ins_id(run.attrs) for run in runs if run.text.strip() or ins_id(run.attrs)}
    if len(owners) != 1:
        return None
    (owner,) = owners
    return next((p for p in pending if p.id == owner), None)
