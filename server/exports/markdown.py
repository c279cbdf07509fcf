"""Markdown: the compilation in the bracket notation, then the clean text.

The compilation is what the room sees (`drafting.brackets.compilation`): every pending change in
square brackets tagged with its proposer and supporters, deletions struck (``~~…~~``). Each
paragraph is one block beginning with its bold label (``**OP7** Recognizes…``), the form
`drafting.importing` reads back. Footnotes (status, reservations, objections) use Markdown's
``[^n]`` notation after the compilation's paragraphs.
"""

from __future__ import annotations

from drafting.outline import Outline, ParagraphOutline
from server.exports.outline_of import outline_of, when
from server.versions import DraftVersion

MEDIA_TYPE = "text/markdown; charset=utf-8"
COMPILATION_HEADING = "## Compilation"
CLEAN_HEADING = "## Clean text"


def export_markdown(version: DraftVersion) -> str:
    return write_markdown(outline_of(version))


def _block(paragraph: ParagraphOutline, text: str) -> str:
    return f"**{paragraph.label}** {text}" if paragraph.label else text


def write_markdown(outline: Outline) -> str:
    lines = [
        f"# {outline.title}",
        "",
        f"{outline.symbol} — {when(outline.at)} (event {outline.seq} of the record)",
        "",
        COMPILATION_HEADING,
        "",
    ]
    footnotes: list[str] = []
    for paragraph in outline.paragraphs:
        marks = ""
        for note in paragraph.notes:
            footnotes.append(note.text)
            marks += f"[^{len(footnotes)}]"
        lines += [_block(paragraph, paragraph.compilation) + marks, ""]
    for note in outline.notes:
        footnotes.append(note.text)
        lines += [f"Statement on the draft as a whole.[^{len(footnotes)}]", ""]
    lines += [CLEAN_HEADING, ""]
    for paragraph in outline.paragraphs:
        lines += [_block(paragraph, paragraph.clean), ""]
    lines += [f"[^{number}]: {text}" for number, text in enumerate(footnotes, start=1)]
    return "\n".join(lines).rstrip("\n") + "\n"
