"""The Word export, read back element by element (python-docx and the raw OOXML)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from server.exports.docx import CLEAN_HEADING, COMPILATION_HEADING, export_docx
from server.versions import DraftVersion


def text_of(element: etree._Element) -> str:
    """All the text inside an element (lxml types its pieces as str or bytes; XML gives str)."""
    return "".join(str(piece) for piece in element.itertext())


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def body_paragraphs(data: bytes) -> list[etree._Element]:
    root = etree.fromstring(parts(data)["word/document.xml"])
    return root.findall(".//w:body/w:p", NS)


def section(data: bytes, heading: str) -> list[etree._Element]:
    """The paragraphs after ``heading`` up to the next heading or page break."""
    out: list[etree._Element] = []
    inside = False
    for p in body_paragraphs(data):
        text = text_of(p)
        if text in (COMPILATION_HEADING, CLEAN_HEADING):
            inside = text == heading
            continue
        if inside and p.find(".//w:br[@w:type='page']", NS) is not None:
            break
        if inside:
            out.append(p)
    return out


def accepted(p: etree._Element) -> str:
    """The paragraph's text after Word's "Accept all": insertions kept, deletions gone."""
    return "".join(t.text or "" for t in p.iter(f"{W}t")).replace("\u0000", "")


def rejected(p: etree._Element) -> str:
    """After "Reject all": insertions gone, deleted text restored."""
    out = []
    for node in p.iter(f"{W}t", f"{W}delText"):
        if node.tag == f"{W}t" and any(a.tag == f"{W}ins" for a in node.iterancestors()):
            continue
        out.append(node.text or "")
    return "".join(out)


def with_tabs(p: etree._Element) -> str:
    out = []
    for node in p.iter(f"{W}t", f"{W}tab"):
        out.append("\t" if node.tag == f"{W}tab" else node.text or "")
    return "".join(out)


def test_every_pending_amendment_is_a_tracked_change_by_the_delegation(
    midway: DraftVersion,
) -> None:
    data = export_docx(midway)
    changes = [
        (
            el.tag.removeprefix(W),
            el.get(f"{W}author"),
            el.get(f"{W}date"),
            "".join(t.text or "" for t in el.iter(f"{W}t", f"{W}delText")),
        )
        for p in section(data, COMPILATION_HEADING)
        for el in p
        if el.tag in (f"{W}ins", f"{W}del")
    ]
    assert changes == [
        ("ins", "Brazil", "2026-03-10T10:00:00Z", "resilient, "),
        ("del", "United States of America", "2026-03-10T10:30:00Z", "Calls upon"),
        ("ins", "United States of America", "2026-03-10T10:30:00Z", "Encourages"),
        ("del", "India", "2026-03-10T11:00:00Z", "and mappings "),
    ]
    revisions = [el for p in body_paragraphs(data) for el in p.iter(f"{W}ins", f"{W}del")]
    ids = [el.get(f"{W}id") for el in revisions]
    assert len(set(ids)) == len(ids) == 4
    for el in revisions:
        if el.tag == f"{W}del":  # deleted text is w:delText, never w:t (Word refuses the file)
            assert el.findall(".//w:t", NS) == [] and el.findall(".//w:delText", NS)
        else:
            assert el.findall(".//w:delText", NS) == [] and el.findall(".//w:t", NS)


def test_accept_all_gives_the_text_if_every_amendment_passed_and_reject_all_the_clean_text(
    midway: DraftVersion,
) -> None:
    data = export_docx(midway)
    compiled = section(data, COMPILATION_HEADING)
    by_label = {with_tabs(p).split("\t")[0]: p for p in compiled}
    assert "a stable, resilient, secure" in accepted(by_label["OP7"])
    assert accepted(by_label["OP8"]).startswith("OP8Encourages Member States")
    assert "contributions related to" in accepted(by_label["OP10"])
    clean = [with_tabs(p) for p in section(data, CLEAN_HEADING)]
    assert [rejected(p) for p in compiled] == [c.replace("\t", "") for c in clean]
    assert clean[12].startswith("OP7\tRecognizes the importance of a stable, secure and")


def test_each_paragraph_starts_with_its_label_then_a_tab(midway: DraftVersion) -> None:
    document = docx.Document(io.BytesIO(export_docx(midway)))
    texts = [p.text for p in document.paragraphs]
    start = texts.index(COMPILATION_HEADING) + 1
    labels = [midway.draft.paragraphs[p].label for p in midway.draft.order]
    assert [t.split("\t")[0] for t in texts[start : start + len(labels)]] == labels
    clean_start = texts.index(CLEAN_HEADING) + 1
    assert texts[clean_start].startswith("PP1\tRecalling the outcome documents")
    first = document.paragraphs[start].runs[0]
    assert first.text == "PP1\t" and first.bold


def test_statuses_reservations_and_objections_are_footnotes(
    midway: DraftVersion, adopted: DraftVersion
) -> None:
    data = export_docx(midway)
    files = parts(data)
    rels = files["word/_rels/document.xml.rels"].decode()
    assert 'Target="footnotes.xml"' in rels and "relationships/footnotes" in rels
    assert b'PartName="/word/footnotes.xml"' in files["[Content_Types].xml"]
    notes = etree.fromstring(files["word/footnotes.xml"])
    texts = {n.get(f"{W}id"): text_of(n).strip() for n in notes.findall("w:footnote", NS)}
    referenced = [
        r.get(f"{W}id")
        for r in etree.fromstring(files["word/document.xml"]).iter(f"{W}footnoteReference")
    ]
    assert referenced and all(texts.get(i) for i in referenced)
    assert {"-1", "0"} <= set(texts)  # the separators Word expects
    by_text = " | ".join(texts[i] for i in referenced)
    assert "Reservation by United Kingdom (GBR): The United Kingdom reads OP11" in by_text
    assert "Objection by Russian Federation (RUS): Needs more work" in by_text
    assert "Objection by European Union (EU) to the amendment by USA" in by_text
    assert "supported by China (CHN)" in by_text
    op11 = next(p for p in section(data, COMPILATION_HEADING) if with_tabs(p).startswith("OP11\t"))
    assert op11.find(".//w:footnoteReference", NS) is not None
    final = parts(export_docx(adopted))
    assert "Agreed." in text_of(etree.fromstring(final["word/footnotes.xml"]))
    assert b"<w:ins " not in final["word/document.xml"]  # nothing pending once adopted


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)
def test_libreoffice_converts_the_file_to_pdf(midway: DraftVersion, tmp_path: Path) -> None:
    source = tmp_path / "draft.docx"
    source.write_bytes(export_docx(midway))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        timeout=180,
        capture_output=True,
    )
    assert (tmp_path / "draft.pdf").read_bytes().startswith(b"%PDF")
