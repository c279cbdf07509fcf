"""The annex of the Chair's report as HTML tables (`drafting.annex` gives the figures)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from drafting.annex import CONSTITUENCY_NAMES, Annex
from server.exports.outline_of import when


def _table(caption: str, head: Sequence[str], rows: Iterable[Sequence[object]], empty: str) -> str:
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    if not body:
        return f"<h3>{escape(caption)}</h3><p class='none'>{escape(empty)}</p>"
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (
        f"<h3>{escape(caption)}</h3><table><thead><tr>{header}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def annex_html(annex: Annex, name: dict[str, str]) -> str:
    def who(code: str) -> str:
        return f"{name.get(code, code)} ({code})" if name.get(code, code) != code else code

    totals = annex.totals
    summary = (
        f"<p>The record holds {annex.events} events. Amendments proposed: "
        f"{totals.get('proposed', 0)}; accepted: {totals.get('accepted', 0)}; rejected: "
        f"{totals.get('rejected', 0)}; withdrawn: {totals.get('withdrawn', 0)}; pending: "
        f"{totals.get('pending', 0)}.</p>"
    )
    parts = [
        "<section class='annex'><h2>Annex</h2><p class='lead'>Summary of the proceedings, "
        "from the record</p>",
        summary,
        _table(
            "1. Participation by constituency",
            ("Constituency", "Registered", "Took part", "Delegations that took part"),
            (
                (
                    CONSTITUENCY_NAMES[p.constituency],
                    len(p.registered),
                    len(p.took_part),
                    ", ".join(p.took_part) or "—",
                )
                for p in annex.participation
            ),
            "No delegation registered.",
        ),
        _table(
            "2. Amendments and objections by delegation",
            (
                "Delegation",
                "Proposed",
                "Accepted",
                "Rejected",
                "Withdrawn",
                "Pending",
                "Supported",
                "Objections raised",
                "Objections withdrawn",
            ),
            (
                (
                    who(t.delegation),
                    t.proposed,
                    t.accepted,
                    t.rejected,
                    t.withdrawn,
                    t.pending,
                    t.supported,
                    t.objections,
                    t.objections_withdrawn,
                )
                for t in annex.tallies
            ),
            "No amendment was proposed and no objection raised.",
        ),
        _table(
            "3. Consensus calls and their outcomes",
            ("Event", "Time", "On", "Outcome"),
            ((c.seq, when(c.at), c.target, c.outcome) for c in annex.consensus),
            "No consensus was found by a call.",
        ),
        _table(
            "4. Silence procedures",
            ("Event", "Started", "Deadline", "Paragraphs", "Broken by", "Agreed at the deadline"),
            (
                (
                    s.seq,
                    when(s.started),
                    when(s.deadline),
                    ", ".join(s.paragraphs),
                    ", ".join(f"{code} ({label})" for label, code in s.broken) or "—",
                    ", ".join(s.agreed) or "—",
                )
                for s in annex.silences
            ),
            "No silence procedure was run.",
        ),
        _table(
            "5. Reservations and explanations of position",
            ("Time", "Delegation", "On", "Statement"),
            ((when(r.at), who(r.delegation), r.about, r.text) for r in annex.reservations),
            "No reservation was entered.",
        ),
        _table(
            "6. Written contributions received",
            ("Time", "From", "On", "Contribution", "Taken up"),
            (
                (
                    when(c.at),
                    who(c.delegation),
                    c.about or "the draft",
                    c.text,
                    "yes" if c.taken_up else "no",
                )
                for c in annex.contributions
            ),
            "No written contribution was received.",
        ),
        "</section>",
    ]
    return "".join(parts)
