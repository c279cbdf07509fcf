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
