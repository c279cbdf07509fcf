"""Exports of a draft version (issue 7): one small module per format, each version → bytes.

`FORMATS` is the table the API (`GET /api/drafts/{d}/export?format=…[&at=SEQ]`) and the CLI
(`rollingtext export`) share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from server.exports import akoma_ntoso, docx, html, markdown, pdf
from server.versions import DraftVersion


class UnknownFormat(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown export format {name!r}; choose one of {', '.join(NAMES)}")


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    write: Callable[[DraftVersion], bytes | str]
    summary: str

    def render(self, version: DraftVersion) -> bytes:
        out = self.write(version)
        return out.encode("utf-8") if isinstance(out, str) else out

    def filename(self, version: DraftVersion) -> str:
        return f"{version.draft.id}-{version.seq}.{self.extension}"


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "docx",
            "docx",
            docx.MEDIA_TYPE,
            docx.export_docx,
            "Word: pending amendments as tracked changes by delegation, footnotes, clean text",
        ),
        Format(
            "html",
            "html",
            html.MEDIA_TYPE,
            html.export_html,
            "Print-ready HTML: the report layout with clean text, compilation and annex",
        ),
        Format("pdf", "pdf", pdf.MEDIA_TYPE, pdf.export_pdf, "PDF of the print HTML"),
        Format(
            "markdown",
            "md",
            markdown.MEDIA_TYPE,
            markdown.export_markdown,
            "Markdown: the compilation in bracket notation, then the clean text",
        ),
        Format(
            "akn",
            "akn.xml",
            akoma_ntoso.MEDIA_TYPE,
            akoma_ntoso.export_akoma_ntoso,
            "Akoma Ntoso 3.0 XML: the draft, an amendmentList, opinions",
        ),
    )
}
ALIASES = {"md": "markdown", "akoma-ntoso": "akn", "xml": "akn", "report": "pdf"}
NAMES = (*FORMATS, *ALIASES)


def export_format(name: str) -> Format:
    found = FORMATS.get(ALIASES.get(name.lower(), name.lower()))
    if found is None:
        raise UnknownFormat(name)
    return found
