"""The Chair's report (HTML, PDF) after the scripted negotiation: its annex matches the record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html
from weasyprint import HTML

from drafting import events as ev
from server.exports.html import export_html
from server.exports.pdf import export_pdf
from server.versions import DraftVersion


def text_of(element: Any) -> str:
    """lxml.html's text_content(), typed (the stubs type found elements as plain _Element)."""
    return str(element.text_content())


def tables(page: str) -> dict[str, list[list[str]]]:
    """Each annex table by its heading: rows of cell texts."""
    tree = lxml_html.fromstring(page)
    found = {}
    for heading in tree.iterfind(".//section[@class='annex']/h3"):
        table = heading.getnext()
        rows = [] if table is None or table.tag != "table" else table.findall(".//tbody/tr")
        found[text_of(heading)] = [[text_of(td) for td in tr] for tr in rows]
    return found


def test_the_annex_counts_what_the_record_holds(adopted: DraftVersion) -> None:
    annex = tables(export_html(adopted))
    history = [r.event for r in adopted.history]
    proposer = {e.amendment: e.proposer for e in history if isinstance(e, ev.AmendmentProposed)}
    proposed = Counter(proposer.values())
    accepted = Counter(
        proposer[e.amendment] for e in history if isinstance(e, ev.AmendmentAccepted)
    )
    withdrawn = Counter(
        proposer[e.amendment] for e in history if isinstance(e, ev.AmendmentWithdrawn)
    )
    rows = {row[0]: row[1:] for row in annex["2. Amendments and objections by delegation"]}
    for code, count in proposed.items():
        (row,) = [r for name, r in rows.items() if name.endswith(f"({code})")]
        assert (int(row[0]), int(row[1]), int(row[3])) == (
            count,
            accepted[code],
            withdrawn[code],
        )
    assert rows["Brazil (BRA)"][:5] == ["1", "1", "0", "0", "0"]
    assert rows["United States of America (USA)"][:5] == ["1", "0", "0", "1", "0"]
    assert rows["Kenya (KEN)"][6:] == ["1", "1"]  # objected under silence, then withdrew
    calls = annex["3. Consensus calls and their outcomes"]
    agreed_by_call = [
        e for e in history if isinstance(e, ev.ParagraphAgreed) and e.by == "consensus"
    ]
    assert len(calls) == len(agreed_by_call) + sum(
        isinstance(e, ev.AmendmentAccepted | ev.ConsensusNotReached) for e in history
    )
    assert [c[2:] for c in calls] == [
        ["OP9", "no consensus: objection from RUS"],
        ["amendment by BRA to OP7", "amendment accepted"],
        ["amendment by IND to OP10", "amendment accepted"],
        ["PP1", "agreed"],
        ["OP7", "agreed"],
        ["OP12", "agreed"],
    ]
    (silence,) = annex["4. Silence procedures"]
    agreed_by_silence = [
        e for e in history if isinstance(e, ev.ParagraphAgreed) and e.by == "silence"
    ]
    assert silence[4] == "KEN (OP12)"
    assert len(silence[5].split(", ")) == len(agreed_by_silence) == 17
    (reservation,) = annex["5. Reservations and explanations of position"]
    assert reservation[1:3] == ["United Kingdom (GBR)", "OP11"]
    (contribution,) = annex["6. Written contributions received"]
    assert contribution[1:] == [
        "Wikimedia Foundation (observer) (WIKI)",
        "the draft",
        "Mention open knowledge.",
        "no",
    ]
    participation = {row[0]: row for row in annex["1. Participation by constituency"]}
    actors = {r.actor for r in adopted.history}
    member_states = [d for d in adopted.delegations.values() if d.constituency == "member_state"]
    assert participation["Member States"][1:3] == [
        str(len(member_states)),
        str(sum(d.code in actors for d in member_states)),
    ]


def test_the_report_shows_the_adopted_text_and_a_midway_compilation(
    adopted: DraftVersion, midway: DraftVersion
) -> None:
    final = lxml_html.fromstring(export_html(adopted))
    assert final.findtext(".//p[@class='symbol']") == "WGEC/2026/CRP.1"
    assert "Adopted text and report" in text_of(final)
    text = final.find(".//section[@class='text']")
    assert text is not None and text.findtext("h2") == "Recommendations"
    assert "a stable, resilient, secure" in text_of(text)
    assert final.find(".//section[@class='compilation']") is None
    earlier = lxml_html.fromstring(export_html(midway))
    compiled = earlier.find(".//section[@class='compilation']")
    assert compiled is not None
    op8 = compiled.find(".//p[@id='par-14']")
    assert op8 is not None
    assert (
        op8.findtext(".//del"),
        op8.findtext(".//ins"),
        op8.findtext(".//span[@class='tag']"),
    ) == (
        "Calls upon",
        "Encourages",
        "USA",
    )
    assert "10 March 2026, 12:00 UTC" in text_of(earlier)


def test_the_pdf_renders_the_report_with_the_annex_on_its_own_pages(
    adopted: DraftVersion,
) -> None:
    pdf = export_pdf(adopted)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = HTML(string=export_html(adopted)).render().pages
    starts = [
        any(box.element_tag == "h2" and "Annex" in _text(box) for box in _boxes(page._page_box))
        for page in pages
    ]
    assert len(pages) >= 2 and starts.index(True) >= 1


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


def _text(box: Any) -> str:
    return "".join(getattr(b, "text", "") for b in _boxes(box))
