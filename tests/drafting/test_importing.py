from __future__ import annotations

from drafting.importing import import_text
from drafting.vocabulary import ParagraphKind

SOURCE = """# Draft recommendations

PP1 Recalling the Tunis Agenda,

PP2. Recognizing the role
of all stakeholders,

## Recommendations

OP1 Recommends cooperation;

OP1bis Invites governments;

Encourages capacity building;
"""


def test_labels_kinds_and_title_are_detected_and_wrapped_lines_joined() -> None:
    draft = import_text(SOURCE)
    assert draft.title == "Draft recommendations"
    assert [(p.kind, p.label, p.text) for p in draft.paragraphs] == [
        (ParagraphKind.PREAMBULAR, "PP1", "Recalling the Tunis Agenda,"),
        (ParagraphKind.PREAMBULAR, "PP2", "Recognizing the role of all stakeholders,"),
        (ParagraphKind.HEADING, None, "Recommendations"),
        (ParagraphKind.OPERATIVE, "OP1", "Recommends cooperation;"),
        (ParagraphKind.OPERATIVE, "OP1bis", "Invites governments;"),
        (ParagraphKind.OPERATIVE, None, "Encourages capacity building;"),
    ]


def test_numbered_plain_paragraphs_and_non_ascii_text() -> None:
    draft = import_text("12. Le Groupe de travail recommande…\n\n13. 建议加强合作。", "X")
    assert draft.title == "X"
    assert [(p.kind, p.label) for p in draft.paragraphs] == [
        (ParagraphKind.PLAIN, "12"),
        (ParagraphKind.PLAIN, "13"),
    ]
    assert draft.paragraphs[1].text == "建议加强合作。"


def test_brackets_after_a_label_become_pending_amendments_of_the_paragraph() -> None:
    draft = import_text("**OP1** Encourages [strongly]·BRA,ZAF [~~all~~]·USA States;")
    (paragraph,) = draft.paragraphs
    assert (paragraph.label, paragraph.text) == ("OP1", "Encourages all States;")
    assert [p.sponsors for p in paragraph.pending] == [("BRA", "ZAF"), ("USA",)]


def test_a_paragraph_that_is_one_insertion_is_a_proposed_paragraph() -> None:
    draft = import_text("OP4 Decides.\n\n**OP4bis** [Requests a report.]·BRA")
    proposed = draft.paragraphs[1]
    assert (proposed.label, proposed.text) == ("OP4bis", "Requests a report.")
    assert proposed.proposed_by is not None and proposed.proposed_by.sponsors == ("BRA",)


def test_an_export_reads_back_its_compilation_only_with_its_symbol_and_no_footnotes() -> None:
    exported = (
        "# Draft\n\nWGEC/2026/CRP.1 — 10 March 2026, 12:00 UTC (event 29 of the record)\n\n"
        "## Compilation\n\n**PP1** Recalling [all]·BRA texts,[^1]\n\n"
        "## Clean text\n\n**PP1** Recalling texts,\n\n[^1]: Amendment by Brazil (BRA).\n"
    )
    draft = import_text(exported)
    assert (draft.title, draft.symbol) == ("Draft", "WGEC/2026/CRP.1")
    assert [(p.label, p.text, len(p.pending)) for p in draft.paragraphs] == [
        ("PP1", "Recalling texts,", 1)
    ]
