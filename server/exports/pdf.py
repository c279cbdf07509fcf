"""PDF: the print HTML of `server.exports.html`, laid out by WeasyPrint (pango, no browser)."""

from __future__ import annotations

from server.exports.html import export_html
from server.versions import DraftVersion

MEDIA_TYPE = "application/pdf"


def export_pdf(version: DraftVersion) -> bytes:
    return render_pdf(export_html(version))


def render_pdf(html: str) -> bytes:
    # Imported on the first PDF, not at start-up: WeasyPrint (pango, fonts) takes about a
    # second and tens of MB to load, in every server process, most of which never print.
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
