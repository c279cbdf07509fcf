"""Print-ready HTML in the layout of a Chair's report: title, symbol, date, the recommendations
(the clean text — the adopted text once adopted), the compilation with every pending amendment in
brackets, and the annex summarizing the record.

Footnotes (statuses, reservations, objections, support) are ``float: footnote`` spans: WeasyPrint
sets them at the foot of the page (`server.exports.pdf`); a browser shows them as small notes.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from drafting.annex import Annex
from drafting.outline import Change, Outline, ParagraphOutline, Piece
from drafting.vocabulary import DraftState
from server.exports.annex_html import annex_html
from server.exports.outline_of import annex_of, outline_of, when
from server.versions import DraftVersion

MEDIA_TYPE = "text/html; charset=utf-8"

STYLE = """
@page { size: A4; margin: 25mm 22mm 25mm 22mm;
  @top-right { content: var(--symbol); font-size: 9pt; color: #444; }
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #444; }
  @footnote { border-top: 0.5pt solid #888; padding-top: 2mm; } }
html { --symbol: ""; }
body { font-family: "Liberation Serif", "Times New Roman", serif; font-size: 11.5pt;
  line-height: 1.4; color: #111; max-width: 48em; margin: 2em auto; }
header.cover { border-bottom: 1.5pt solid #111; margin-bottom: 1.5em; padding-bottom: 0.6em; }
.symbol { text-align: right; font-family: "Liberation Sans", Arial, sans-serif; font-size: 10pt; }
.date { text-align: right; font-size: 10pt; }
h1 { font-size: 16pt; margin: 0.8em 0 0.2em; }
.state { font-style: italic; margin: 0; }
h2 { font-size: 13pt; margin-top: 1.6em; border-bottom: 0.5pt solid #888; }
h3 { font-size: 11pt; margin: 1.2em 0 0.4em; break-after: avoid; }
section.text { break-before: auto; }
section.compilation, section.annex { break-before: page; }
p.para { display: flex; gap: 1em; margin: 0 0 0.7em; text-align: justify; break-inside: avoid; }
p.para .label { flex: 0 0 4.2em; font-weight: bold; }
p.para .body { flex: 1; }
p.para.heading .body { font-weight: bold; }
section.compilation p.agreed .label::after { content: " ✓"; color: #2a7a2a; font-weight: normal; }
ins { text-decoration: underline; color: #0b4f8a; }
del { text-decoration: line-through; color: #8a1b0b; }
.tag { font-family: "Liberation Sans", Arial, sans-serif; font-size: 7.5pt; vertical-align: super;
  color: #333; }
.bracket { color: #555; }
.footnote { float: footnote; font-size: 8.5pt; font-weight: normal; text-align: left; }
.footnote::footnote-call { content: counter(footnote); font-size: 7pt; vertical-align: super; }
.footnote::footnote-marker { content: counter(footnote) ". "; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin-bottom: 0.8em; }
th, td { border: 0.5pt solid #999; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #eee; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
p.none { font-style: italic; font-size: 10pt; }
p.lead { font-style: italic; }
@media screen { .footnote { display: block; margin-left: 5.2em; color: #555; }
  .footnote::before { content: "Note: "; } }
"""


def export_html(version: DraftVersion) -> str:
    return write_html(outline_of(version), annex_of(version))


def write_html(outline: Outline, annex: Annex) -> str:
    adopted = outline.state == DraftState.ADOPTED
    state = (
        "Adopted text and report"
        if adopted
        else f"Draft under negotiation — the text as it stood after event {outline.seq}"
    )
    text_heading = "Recommendations" if adopted else "Clean text"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(outline.symbol or outline.title)}</title>",
        f"<style>{STYLE}html {{ --symbol: '{_css_string(outline.symbol)}'; }}</style>",
        "</head><body>",
        "<header class='cover'>",
        f"<p class='symbol'>{escape(outline.symbol)}</p>",
        f"<p class='date'>{escape(when(outline.at))}</p>",
        f"<h1>{escape(outline.title)}</h1><p class='state'>{escape(state)}</p>",
        "</header>",
        f"<section class='text'><h2>{text_heading}</h2>",
        *(_paragraph(p, escape(p.clean), notes=False) for p in outline.paragraphs),
        "</section>",
    ]
    if not adopted or outline.proposals:
        parts += [
            "<section class='compilation'><h2>Compilation</h2>",
            "<p class='lead'>Every pending amendment in brackets, followed by its proposer and "
            "supporters; insertions underlined, proposed deletions struck through.</p>",
            *(_paragraph(p, _compiled(p, outline), notes=True) for p in outline.paragraphs),
            *(
                f"<p class='para'><span class='body'>{escape(n.text)}</span></p>"
                for n in outline.notes
            ),
            "</section>",
        ]
    parts += [annex_html(annex, dict(outline.names)), "</body></html>"]
    return "".join(parts)


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ")


def _paragraph(paragraph: ParagraphOutline, body: str, *, notes: bool) -> str:
    classes = f"para {paragraph.kind.value} {paragraph.status.value}"
    footnotes = "".join(
        f"<span class='footnote'>{escape(n.text)}</span>" for n in paragraph.notes if notes
    )
    return (
        f"<p class='{classes}' id='{escape(paragraph.id)}'>"
        f"<span class='label'>{escape(paragraph.label)}</span>"
        f"<span class='body'>{body}{footnotes}</span></p>"
    )


def _groups(pieces: tuple[Piece, ...]) -> Iterator[tuple[str | None, list[Piece]]]:
    """Consecutive pieces of one amendment together (base text: amendment None)."""
    current: list[Piece] = []
    owner: str | None = None
    for piece in pieces:
        if current and piece.amendment != owner:
            yield owner, current
            current = []
        owner = piece.amendment
        current.append(piece)
    if current:
        yield owner, current


def _compiled(paragraph: ParagraphOutline, outline: Outline) -> str:
    out: list[str] = []
    for amendment, pieces in _groups(paragraph.pieces):
        inner = "".join(
            f"<{'ins' if p.change == Change.INSERT else 'del'}>{escape(p.text)}"
            f"</{'ins' if p.change == Change.INSERT else 'del'}>"
            if p.change != Change.BASE
            else escape(p.text)
            for p in pieces
        )
        proposal = outline.proposals.get(amendment or "")
        if proposal is None:
            out.append(inner)
            continue
        title = escape(f"{proposal.kind.value} by {proposal.proposer_name}", quote=True)
        out.append(
            f"<span class='bracket' title='{title}'>[</span>{inner}"
            f"<span class='bracket'>]</span><span class='tag'>{escape(proposal.tag)}</span>"
        )
    return "".join(out)
