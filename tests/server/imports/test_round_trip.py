"""Export then import gives the same paragraphs and the same pending amendments, by the same
delegations: the Word export's tracked changes and the Markdown export's brackets both read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from drafting.brackets import clean
from drafting.settlement import accepted_text
from server.drafts import roster
from server.exports.docx import export_docx
from server.exports.markdown import export_markdown
from server.imports.drafts import import_draft, read_document
from server.storage import Storage
from server.versions import DraftVersion, version_at
from tests.server.exports.negotiation import DRAFT, Negotiated

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)

Paragraph = tuple[str, str, str]  # label, kind, clean text
Amendment = tuple[
    str, str, str, tuple[str, ...], str
]  # paragraph, proposer, kind, supporters, text if accepted


def paragraphs(version: DraftVersion) -> list[Paragraph]:
    draft = version.draft
    return [
        (p.label, p.kind.value, clean(version.runs[p.id]).strip())
        for p in draft.ordered()
        if p.proposal is None
    ]


def amendments(version: DraftVersion) -> list[Amendment]:
    """Pending amendments in text order, each with what its paragraph reads if it is accepted."""
    draft = version.draft
    out: list[Amendment] = []
    for p in draft.ordered():
        runs = version.runs[p.id]
        for a in draft.amendments.values():
            if a.paragraph == p.id and a.pending:
                after = accepted_text(runs, a.id) if a.kind.value != "new_paragraph" else ""
                out.append((p.label, a.proposer, a.kind.value, a.supporters, after.strip()))
    return sorted(out)


def reimport(storage: Storage, data: bytes, name: str) -> DraftVersion:
    imported = read_document(data, name)
    chair = roster(storage)["CHAIR"]
    done = import_draft(storage, imported, chair, NOW, draft_id="reimported")
    return version_at(storage, done.draft)


@pytest.mark.parametrize(
    ("name", "export"),
    [("draft.md", lambda v: export_markdown(v).encode())],
)
def test_export_then_import_gives_the_same_paragraphs_and_amendments(
    negotiated: Negotiated, storage: Storage, name: str, export: Callable[[DraftVersion], bytes]
) -> None:
    midway = version_at(storage, DRAFT, negotiated.midway)
    back = reimport(storage, export(midway), name)
    assert back.draft.title == midway.draft.title
    assert back.draft.symbol == midway.draft.symbol
    assert paragraphs(back) == paragraphs(midway)
    assert amendments(back) == amendments(midway)
    assert len(amendments(back)) == 3


def test_the_word_export_reads_back_with_its_tracked_changes_but_not_the_support_in_footnotes(
    negotiated: Negotiated, storage: Storage
) -> None:
    midway = version_at(storage, DRAFT, negotiated.midway)
    back = reimport(storage, export_docx(midway), "draft.docx")
    assert paragraphs(back) == paragraphs(midway)
    unsupported = [(*a[:3], (), a[4]) for a in amendments(midway)]
    assert amendments(back) == unsupported
    assert len(unsupported) == 3
