"""Markdown: the compilation in bracket notation, the clean text, readable back by the importer."""

from __future__ import annotations

from drafting.importing import import_text
from server.exports.markdown import CLEAN_HEADING, COMPILATION_HEADING, export_markdown
from server.versions import DraftVersion


def sections(text: str) -> tuple[str, str]:
    compiled = text.split(COMPILATION_HEADING, 1)[1].split(CLEAN_HEADING, 1)[0]
    clean = text.split(CLEAN_HEADING, 1)[1].split("\n[^", 1)[0]
    return compiled, clean


def test_the_compilation_shows_every_pending_change_in_brackets(midway: DraftVersion) -> None:
    compiled, _ = sections(export_markdown(midway))
    assert "**OP7** Recognizes the importance of a stable, [resilient,]·BRA,CHN secure" in compiled
    assert "**OP8** [~~Calls upon~~ Encourages]·USA Member States" in compiled
    assert "contributions [~~and mappings~~]·IND related" in compiled


def test_the_clean_text_reimports_with_the_same_labels_and_text(midway: DraftVersion) -> None:
    _, clean = sections(export_markdown(midway))
    imported = import_text(clean)
    assert [p.label for p in imported.paragraphs] == [
        midway.draft.paragraphs[p].label for p in midway.draft.order
    ]
    op7 = imported.paragraphs[12].text
    assert op7.startswith("Recognizes the importance of a stable, secure and interoperable")


def test_reservations_and_objections_are_footnotes(midway: DraftVersion) -> None:
    text = export_markdown(midway)
    compiled, _ = sections(text)
    op11 = next(line for line in compiled.splitlines() if line.startswith("**OP11**"))
    marker = op11[op11.rindex("[^") :]
    assert f"{marker}: Reservation by United Kingdom (GBR)" in text
