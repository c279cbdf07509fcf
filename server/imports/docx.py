"""Reading a Word document (.docx): its paragraphs, styles and tracked changes as plain data.

python-docx opens the package and names each paragraph's style; the runs are read from the XML
itself, because python-docx does not expose revisions: a run inside ``w:ins`` (or ``w:moveTo``)
was inserted by that element's ``w:author``, one inside ``w:del`` (``w:moveFrom``) deleted, its
text in ``w:delText``. A paragraph mark carrying ``w:ins``/``w:del`` (in ``w:pPr/w:rPr``) means the
whole paragraph was inserted or deleted. Body paragraphs only: tables, text boxes, headers and
footnotes are not part of a draft.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

from drafting.importing import SourceParagraph, Style
from drafting.tracked_changes import Revision, TrackedRun

ZIP_MAGIC = b"PK\x03\x04"
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # a larger unpacked package is refused (zip bombs)

_INSERTED = {qn("w:ins"), qn("w:moveTo")}
_DELETED = {qn("w:del"), qn("w:moveFrom")}
_TEXT = {qn("w:t"), qn("w:delText")}
_P = qn("w:p")
_AUTHOR = qn("w:author")


class UnreadableDocument(ValueError):
    """A file that is not a Word document we can read; the message says what is wrong."""


def read_docx(data: bytes) -> list[SourceParagraph]:
    """The body paragraphs of a .docx, in order; raises `UnreadableDocument`."""
    if not data:
        raise UnreadableDocument("the file is empty")
    if not data.startswith(ZIP_MAGIC):
        raise UnreadableDocument("not a Word document (.docx): it is not a ZIP package")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise UnreadableDocument(
                    f"the document unpacks to {unpacked} bytes, more than {MAX_UNPACKED_BYTES}"
                )
            if "word/document.xml" not in package.namelist():
                raise UnreadableDocument("not a Word document (.docx): no word/document.xml")
        document = Document(io.BytesIO(data))
    except UnreadableDocument:
        raise
    except etree.XMLSyntaxError as error:
        raise UnreadableDocument(f"the document's XML is broken: {error}") from error
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as error:
        raise UnreadableDocument(f"not a readable Word document (.docx): {error}") from error
    return [_paragraph(p) for p in document.paragraphs]


def _style(paragraph: Paragraph) -> Style:
    try:
        name = (paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, ValueError):  # a style the package does not define
        name = ""
    if name == "Title":
        return Style.TITLE
    return Style.HEADING if name.startswith("Heading") else Style.BODY


def _paragraph(paragraph: Paragraph) -> SourceParagraph:
    p = paragraph._p
    mark, author = None, ""
    props = p.find(qn("w:pPr"))
    run_props = props.find(qn("w:rPr")) if props is not None else None
    if run_props is not None:
        for child in run_props:
            if child.tag in _INSERTED or child.tag in _DELETED:
                mark = Revision.INSERTED if child.tag in _INSERTED else Revision.DELETED
                author = child.get(_AUTHOR) or ""
    return SourceParagraph(tuple(_runs(p)), _style(paragraph), mark, author)


def _runs(p: etree._Element) -> Iterator[TrackedRun]:
    for run in p.iter(qn("w:r")):
        found = _revision(run, p)
        if found is None:
            continue  # inside a nested paragraph (a text box): not this paragraph's text
        revision, author = found
        text = "".join(_text(run))
        if text:
            yield TrackedRun(text, revision, author)


def _revision(run: etree._Element, p: etree._Element) -> tuple[Revision | None, str] | None:
    """The run's revision and its author (None: the run belongs to another paragraph)."""
    inserted = deleted = ""
    seen_insert = seen_delete = False
    node = run.getparent()
    while node is not None and node is not p:
        if node.tag == _P:
            return None
        if node.tag in _INSERTED and not seen_insert:
            seen_insert, inserted = True, node.get(_AUTHOR) or ""
        elif node.tag in _DELETED and not seen_delete:
            seen_delete, deleted = True, node.get(_AUTHOR) or ""
        node = node.getparent()
    if seen_insert and seen_delete:
        return Revision.RETRACTED, deleted
    if seen_delete:
        return Revision.DELETED, deleted
    return (Revision.INSERTED, inserted) if seen_insert else (None, "")


def _text(run: etree._Element) -> Iterator[str]:
    for child in run:
        if child.tag in _TEXT:
            yield child.text or ""
        elif child.tag == qn("w:tab"):
            yield "\t"
        elif child.tag in (qn("w:br"), qn("w:cr")):
            yield " "
        elif child.tag == qn("w:noBreakHyphen"):
            yield "-"
