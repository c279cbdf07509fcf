"""What the API shows of a draft: the record's state with each paragraph's text rendered."""

from __future__ import annotations

from typing import Any

from drafting.brackets import clean, compilation, to_markup
from drafting.draft import Draft
from drafting.events import to_record
from drafting.record import Recorded
from server.livedoc import amendment_fields, iso
from server.room import Room


def tags(draft: Draft) -> dict[str, str]:
    """Each amendment's bracket tag: its proposer, then its supporters (``BRA,ZAF``)."""
    return {a.id: ",".join((a.proposer, *a.supporters)) for a in draft.amendments.values()}


def draft_view(room: Room) -> dict[str, Any]:
    draft = room.draft
    labels = tags(draft)
    outstanding: dict[str, list[dict[str, str]]] = {}
    for o in draft.objections.values():
        if o.outstanding:
            entry = {"id": o.id, "delegation": o.delegation, "reason": o.reason}
            outstanding.setdefault(str(o.target), []).append(entry)
    paragraphs = []
    for p in draft.ordered():
        runs = room.live.runs(p.id)
        paragraphs.append(
            {
                "id": p.id,
                "label": p.label,
                "kind": p.kind.value,
                "status": p.status.value,
                "compilation": compilation(runs, labels),
                "clean": clean(runs),
                "markup": to_markup(runs),
                "proposal": p.proposal,
                "alternative_to": p.alternative_to,
                "silence_deadline": iso(p.silence_deadline),
                "ad_ref_pending": sorted(p.ad_ref_pending),
                "objections": outstanding.get(f"paragraph:{p.id}", []),
            }
        )
    return {
        "id": draft.id,
        "title": draft.title,
        "symbol": draft.symbol,
        "state": draft.state.value,
        "seq": draft.seq,
        "paragraphs": paragraphs,
        "amendments": [
            amendment_fields(a, outstanding.get(f"amendment:{a.id}", []))
            for a in draft.amendments.values()
        ],
        "speakers": {
            "queue": list(draft.queue),
            "floor": draft.floor.delegation if draft.floor else None,
            "ends": iso(draft.floor.ends) if draft.floor else None,
        },
    }


def event_view(item: Recorded) -> dict[str, Any]:
    kind, payload = to_record(item.event)
    return {
        "seq": item.seq,
        "at": item.at.isoformat(),
        "actor": item.actor,
        "type": kind,
        "payload": payload,
    }
