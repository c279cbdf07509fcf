"""Reading a draft from plain text or Markdown: one paragraph per block (DESIGN §2).

A block is separated from the next by a blank line. ``# Title`` gives the draft's title, other
``#`` lines are headings. A leading label is detected and removed from the text: ``PP1``,
``OP3``, ``OP4bis``, ``12.``, ``(a)``; ``PP`` means preambular, ``OP`` operative, a bare number
a plain paragraph. Unlabelled blocks take the kind of the labelled block before them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.labels import parse_label
from drafting.vocabulary import ParagraphKind

_LEADING_LABEL = re.compile(r"^\s*(?:\*\*)?(?P<label>(?:PP|OP)\d+[a-z]*|\d+)(?:\*\*)?[.):]?\s+")


@dataclass(frozen=True)
class ImportedParagraph:
    kind: ParagraphKind
    label: str | None
    text: str


@dataclass(frozen=True)
class ImportedDraft:
    title: str
    paragraphs: tuple[ImportedParagraph, ...]


def _blocks(source: str) -> list[str]:
    blocks: list[list[str]] = [[]]
    for line in source.replace("\r\n", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [" ".join(b) for b in blocks if b]


def _paragraph(block: str, previous: ParagraphKind) -> ImportedParagraph:
    if block.startswith("#"):
        return ImportedParagraph(ParagraphKind.HEADING, None, block.lstrip("#").strip())
    match = _LEADING_LABEL.match(block)
    if not match:
        return ImportedParagraph(previous, None, block)
    label = match["label"]
    text = block[match.end() :].strip()
    parsed = parse_label(label)
    if parsed is None:
        return ImportedParagraph(previous, None, block)
    kind = {"PP": ParagraphKind.PREAMBULAR, "OP": ParagraphKind.OPERATIVE}.get(
        parsed.prefix, ParagraphKind.PLAIN
    )
    return ImportedParagraph(kind, label, text)


def import_text(source: str, default_title: str = "Untitled draft") -> ImportedDraft:
    """The title and paragraphs of a plain-text or Markdown draft."""
    blocks = _blocks(source)
    title = default_title
    if blocks and blocks[0].startswith("# "):
        title = blocks.pop(0)[2:].strip()
    paragraphs: list[ImportedParagraph] = []
    kind = ParagraphKind.PLAIN
    for block in blocks:
        paragraph = _paragraph(block, kind)
        if paragraph.kind != ParagraphKind.HEADING:
            kind = paragraph.kind
        if paragraph.text:
            paragraphs.append(paragraph)
    return ImportedDraft(title, tuple(paragraphs))
