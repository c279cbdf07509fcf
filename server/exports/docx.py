"""Word (.docx): the compilation with pending amendments as tracked changes, and the clean text.

Each pending change is a real Word revision: an insertion is a ``w:ins`` and a proposed deletion a
``w:del`` (its text in ``w:delText``), one element per stretch of the amendment's text, whose
``w:author`` is the proposing delegation's name and ``w:date`` the time of the proposal. Word's
Review pane then lists the proposals by delegation, and "Accept all" gives the text as it would
be if every amendment passed. A paragraph proposed whole has its paragraph mark inserted too; one
proposed for deletion (or replaced by a pending alternative) has its mark deleted.

Every paragraph begins with its label in bold and a tab (``OP7⇥Recognizes…``). Statuses (agreed,
ad referendum, under silence), reservations, outstanding objections and support are footnotes:
python-docx has no footnotes API, so this module adds the footnotes part itself (the part, its
content type and the document's relationship to it, with the separator footnotes Word expects).
After a page break comes the clean text, with no revisions.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from docx import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from drafting.outline import Change, Note, Outline, ParagraphOutline, Piece, Proposal
from server.exports.outline_of import outline_of, stamp, when
from server.versions import DraftVersion

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
COMPILATION_HEADING = "Compilation"
CLEAN_HEADING = "Clean text"


def export_docx(version: DraftVersion) -> bytes:
    return write_docx(outline_of(version))


def write_docx(outline: Outline) -> bytes:
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    writer = _Writer(outline)
    document.add_paragraph(outline.title, style="Title")
    document.add_paragraph(f"{outline.symbol} — {when(outline.at)}")
    document.add_paragraph(f"The text as it stood after event {outline.seq} of the record.")
    document.add_heading(COMPILATION_HEADING, level=1)
    for paragraph in outline.paragraphs:
        writer.compiled(document.add_paragraph(), paragraph)
    if outline.notes:
        writer.draft_notes(document.add_paragraph(), outline.notes)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(CLEAN_HEADING, level=1)
    for paragraph in outline.paragraphs:
        cleaned = document.add_paragraph()
        _label(cleaned, paragraph.label)
        cleaned.add_run(paragraph.clean)
    writer.attach_footnotes(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _label(paragraph: DocxParagraph, label: str) -> None:
    if label:
        paragraph.add_run(label).bold = True
        paragraph.add_run("\t")


def _run(text: str, *, deleted: bool = False, bold: bool = False) -> etree._Element:
    run = OxmlElement("w:r")
    if bold:
        props = OxmlElement("w:rPr")
        props.append(OxmlElement("w:b"))
        run.append(props)
    for index, part in enumerate(text.split("\t")):
        if index:
            run.append(OxmlElement("w:tab"))
        if part:
            node = OxmlElement("w:delText" if deleted else "w:t")
            node.set(qn("xml:space"), "preserve")
            node.text = part
            run.append(node)
    return run


class _Writer:
    """Builds revisions with unique ids, and collects footnotes as it goes."""

    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        self.footnotes: list[str] = []
        self._ids = iter(range(1, 1_000_000))

    def revision(self, tag: str, proposal: Proposal) -> etree._Element:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(next(self._ids)))
        element.set(qn("w:author"), proposal.proposer_name)
        element.set(qn("w:date"), stamp(proposal.created))
        return element

    def compiled(self, paragraph: DocxParagraph, outline: ParagraphOutline) -> None:
        p = paragraph._p
        whole = outline.inserted_by or outline.deleted_by
        kind = "w:ins" if outline.inserted_by else "w:del"
        if whole is not None:  # the paragraph mark itself is inserted or deleted
            run_props = OxmlElement("w:rPr")
            run_props.append(self.revision(kind, self._of(whole)))
            p.get_or_add_pPr().append(run_props)
        if outline.label:
            label = _run(outline.label + "\t", bold=True, deleted=kind == "w:del" and bool(whole))
            if whole is not None:
                holder = self.revision(kind, self._of(whole))
                holder.append(label)
                label = holder
            p.append(label)
        for element in self._pieces(outline.pieces):
            p.append(element)
        for note in outline.notes:
            p.append(self.footnote(note))

    def _pieces(self, pieces: tuple[Piece, ...]) -> Iterator[etree._Element]:
        for piece in pieces:
            if piece.change == Change.BASE or piece.amendment not in self.outline.proposals:
                yield _run(piece.text)
                continue
            proposal = self._of(piece.amendment)
            inserted = piece.change == Change.INSERT
            holder = self.revision("w:ins" if inserted else "w:del", proposal)
            holder.append(_run(piece.text, deleted=not inserted))
            yield holder

    def _of(self, amendment: str | None) -> Proposal:
        assert amendment is not None
        return self.outline.proposals[amendment]

    def draft_notes(self, paragraph: DocxParagraph, notes: tuple[Note, ...]) -> None:
        paragraph.add_run("Statements on the draft as a whole").italic = True
        for note in notes:
            paragraph._p.append(self.footnote(note))

    def footnote(self, note: Note) -> etree._Element:
        """A reference run to a new footnote holding ``note``."""
        self.footnotes.append(note.text)
        run = OxmlElement("w:r")
        props = OxmlElement("w:rPr")
        align = OxmlElement("w:vertAlign")
        align.set(qn("w:val"), "superscript")
        props.append(align)
        run.append(props)
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), str(len(self.footnotes)))
        run.append(reference)
        return run

    def attach_footnotes(self, document: object) -> None:
        if not self.footnotes:
            return
        part = document.part  # type: ignore[attr-defined]
        footnotes = Part(
            PackURI("/word/footnotes.xml"),
            CONTENT_TYPE.WML_FOOTNOTES,
            _footnotes_xml(self.footnotes),
            part.package,
        )
        part.relate_to(footnotes, RELATIONSHIP_TYPE.FOOTNOTES)


def _footnotes_xml(texts: list[str]) -> bytes:
    root = etree.Element(qn("w:footnotes"), nsmap={"w": W})
    for kind, ident, child in (
        ("separator", "-1", "w:separator"),
        ("continuationSeparator", "0", "w:continuationSeparator"),
    ):
        note = etree.SubElement(root, qn("w:footnote"), {qn("w:type"): kind, qn("w:id"): ident})
        run = etree.SubElement(etree.SubElement(note, qn("w:p")), qn("w:r"))
        etree.SubElement(run, qn(child))
    for number, text in enumerate(texts, start=1):
        note = etree.SubElement(root, qn("w:footnote"), {qn("w:id"): str(number)})
        p = etree.SubElement(note, qn("w:p"))
        ref = etree.SubElement(p, qn("w:r"))
        props = etree.SubElement(ref, qn("w:rPr"))
        etree.SubElement(props, qn("w:vertAlign"), {qn("w:val"): "superscript"})
        etree.SubElement(ref, qn("w:footnoteRef"))
        body = etree.SubElement(p, qn("w:r"))
        size = etree.SubElement(etree.SubElement(body, qn("w:rPr")), qn("w:sz"))
        size.set(qn("w:val"), "18")
        t = etree.SubElement(body, qn("w:t"), {qn("xml:space"): "preserve"})
        t.text = " " + text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
