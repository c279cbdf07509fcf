"""The live document: one pycrdt (Yjs) Doc per draft, in the schema of DESIGN §4.

Roots: ``paragraphs`` (Array of Map: id, label, kind, status, text…), ``amendments``,
``objections``, ``reservations``, ``contributions`` (Map id → Map), ``meta`` and ``speakers``
(Map). Clients write only paragraph text; everything else mirrors the record and is written here,
by the server, after each procedural event.

Positions: the core counts code points, pycrdt UTF-8 bytes; `drafting.positions` converts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pycrdt import Array, Doc, Map, Text
from pycrdt._base import BaseType

from drafting.draft import Amendment, Draft, Paragraph
from drafting.positions import delta_to_utf8
from drafting.record import Recorded
from drafting.runs import Delete, Delta, Insert, Retain, Run, Runs, normalize
from drafting.text_effects import NewText, TextEdit, text_effect

PARAGRAPHS = "paragraphs"
RECORD_MAPS = ("amendments", "objections", "reservations", "contributions")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class LiveDoc:
    """A draft's Y.Doc, read and written in the core's terms (runs, deltas, draft state)."""

    def __init__(self, doc: Doc[Any] | None = None) -> None:
        self.doc = doc if doc is not None else Doc()
        self.paragraphs = self.doc.get(PARAGRAPHS, type=Array)
        self.records = {name: self.doc.get(name, type=Map) for name in RECORD_MAPS}
        self.meta = self.doc.get("meta", type=Map)
        self.speakers = self.doc.get("speakers", type=Map)
        # Paragraph id → its map, rebuilt in one pass after any change to the array's items.
        self._maps: dict[str, Map[Any]] = {}
        self._ids: list[str] | None = None  # paragraph ids in order, likewise
        self._shape = self.paragraphs.observe(lambda _: self._reshaped())
        # What the server last wrote to each mirrored map (only the server writes them), so
        # mirroring compares Python values instead of reading the document every time.
        self._written: dict[str, dict[str, Any]] = {}

    @property
    def roots(self) -> list[BaseType]:
        return [self.paragraphs, *self.records.values(), self.meta, self.speakers]

    def close(self) -> None:
        """Drop the document's observers: pycrdt keeps callbacks on the Rust side, out of
        Python's garbage collector's sight, so an observer that refers back to its owner would
        keep the whole document alive after its room unloads."""
        self.paragraphs.unobserve(self._shape)

    def forget_written(self) -> None:
        """Another writer (a process holding the same draft) changed the mirrored maps."""
        self._written.clear()

    # -- reading ---------------------------------------------------------------------------

    def paragraph_ids(self) -> list[str]:
        with self.doc.transaction():  # one read, not one transaction per paragraph
            return [str(m.get("id")) for m in self.paragraphs]

    def paragraph_id_at(self, index: int) -> str | None:
        """The id of the paragraph at ``index`` (None past the end), without reading the
        document each time: the gate asks for every text event."""
        if self._ids is None:
            self._ids = self.paragraph_ids()
        return self._ids[index] if 0 <= index < len(self._ids) else None

    def _reshaped(self) -> None:
        self._maps.clear()
        self._ids = None

    def paragraph_map(self, paragraph_id: str) -> Map[Any] | None:
        if not self._maps:
            self._maps = {
                str(item.get("id")): item for item in self.paragraphs if isinstance(item, Map)
            }
        return self._maps.get(paragraph_id)

    def text(self, paragraph_id: str) -> Text | None:
        found = self.paragraph_map(paragraph_id)
        text = found.get("text") if found is not None else None
        return text if isinstance(text, Text) else None

    def runs(self, paragraph_id: str) -> Runs:
        text = self.text(paragraph_id)
        return runs_of_text(text) if text is not None else ()

    def all_runs(self) -> dict[str, Runs]:
        return {pid: self.runs(pid) for pid in self.paragraph_ids()}

    def _update(self, key: str, target: Map[Any], fields: Mapping[str, Any]) -> None:
        """Write the fields that differ from what this map holds (known, or read once)."""
        known = self._written.get(key)
        if known is None:
            known = {k: target[k] for k in fields if k in target}
        for name, value in fields.items():
            if name not in known or known[name] != value:
                target[name] = value
        self._written[key] = dict(fields)

    # -- writing text ----------------------------------------------------------------------

    def apply_delta(self, paragraph_id: str, delta: Delta) -> None:
        """Apply a code point delta to a paragraph's Y.Text."""
        text = self.text(paragraph_id)
        if text is None or not delta:
            return
        write_delta(text, delta_to_utf8(str(text), delta))

    # -- mirroring the record --------------------------------------------------------------

    def record(self, draft: Draft, recorded: Iterable[Recorded]) -> set[str] | None:
        """Make the document show ``draft`` after ``recorded``: text effects, then the mirror.
        Returns the paragraphs whose text changed (None: the paragraphs themselves changed).

        Call inside one transaction, with the runs of the paragraphs before the events."""
        fresh: dict[str, Runs] = {}
        touched: set[str] = set()
        for item in recorded:
            effect = text_effect(draft, item.event, self.runs)
            if isinstance(effect, NewText):
                fresh[effect.paragraph] = effect.runs
            elif isinstance(effect, TextEdit):
                self.apply_delta(effect.paragraph, effect.delta)
                touched.add(effect.paragraph)
        reshaped = self.mirror(draft, fresh)
        return None if reshaped else touched

    def mirror(self, draft: Draft, fresh: Mapping[str, Runs] | None = None) -> bool:
        """Write the procedural state of ``draft`` where it differs from the document; True
        when paragraphs were added, removed or moved."""
        fresh = fresh or {}
        self._update(
            "meta",
            self.meta,
            {
                "id": draft.id,
                "title": draft.title,
                "symbol": draft.symbol,
                "state": draft.state.value,
                "seq": draft.seq,
            },
        )
        reshaped = self._mirror_paragraphs(draft, fresh)
        self._mirror_records(draft)
        floor = draft.floor
        self._update(
            "speakers",
            self.speakers,
            {
                "queue": list(draft.queue),
                "floor": floor.delegation if floor else None,
                "floor_started": iso(floor.started) if floor else None,
                "floor_ends": iso(floor.ends) if floor else None,
            },
        )
        return reshaped

    def _mirror_paragraphs(self, draft: Draft, fresh: Mapping[str, Runs]) -> bool:
        wanted = list(draft.order)
        current = self.paragraph_ids()
        reshaped = current != wanted
        if reshaped:
            self._reshape(wanted, current, fresh)
        for pid in wanted:
            found = self.paragraph_map(pid)
            assert found is not None
            self._update(f"paragraph/{pid}", found, paragraph_fields(draft.paragraphs[pid]))
        return reshaped

    def _reshape(self, wanted: list[str], current: list[str], fresh: Mapping[str, Runs]) -> None:
        """Drop what is gone, then (re)insert whatever is not at its place (rare: the order
        changes only when paragraphs are added, removed or moved)."""
        kept = {pid: self.runs(pid) for pid in current}
        self._reshaped()  # (the array's observer only fires when the transaction ends)
        for index in reversed(range(len(current))):
            if current[index] not in wanted:
                del self.paragraphs[index]
                self._written.pop(f"paragraph/{current[index]}", None)
        current = [pid for pid in current if pid in wanted]
        for index, pid in enumerate(wanted):
            if index < len(current) and current[index] == pid:
                continue
            if pid in current:
                del self.paragraphs[current.index(pid)]
                current.remove(pid)
            item: Map[Any] = Map({"id": pid, "text": Text()})
            self.paragraphs.insert(index, item)
            current.insert(index, pid)
            self._written.pop(f"paragraph/{pid}", None)
            write_runs(item["text"], kept.get(pid) or fresh.get(pid) or ())
        self._reshaped()

    def _mirror_records(self, draft: Draft) -> None:
        outstanding: dict[str, list[str]] = {}
        for o in draft.objections.values():
            if o.outstanding:
                outstanding.setdefault(str(o.target), []).append(o.delegation)
        rows: dict[str, dict[str, dict[str, Any]]] = {
            "amendments": {
                a.id: amendment_fields(a, outstanding.get(f"amendment:{a.id}", []))
                for a in draft.amendments.values()
            },
            "objections": {
                o.id: {
                    "id": o.id,
                    "target": str(o.target),
                    "delegation": o.delegation,
                    "reason": o.reason,
                    "status": o.status.value,
                    "raised": iso(o.raised),
                }
                for o in draft.objections.values()
            },
            "reservations": {
                r.id: {
                    "id": r.id,
                    "target": str(r.target),
                    "delegation": r.delegation,
                    "text": r.text,
                    "entered": iso(r.entered),
                }
                for r in draft.reservations.values()
            },
            "contributions": {
                c.id: {
                    "id": c.id,
                    "delegation": c.delegation,
                    "text": c.text,
                    "paragraph": c.paragraph,
                    "status": c.status.value,
                    "amendment": c.amendment,
                    "submitted": iso(c.submitted),
                }
                for c in draft.contributions.values()
            },
        }
        for name, wanted in rows.items():
            root = self.records[name]
            for key, fields in wanted.items():
                cache = f"{name}/{key}"
                if self._written.get(cache) == fields:
                    continue
                existing = root.get(key)
                if not isinstance(existing, Map):
                    root[key] = Map(fields)
                    self._written[cache] = dict(fields)
                else:
                    self._update(cache, existing, fields)


def amendment_fields(amendment: Amendment, objections: list[Any]) -> dict[str, Any]:
    """An amendment as the document and the API show it; ``objections`` as the caller lists them."""
    return {
        "id": amendment.id,
        "paragraph": amendment.paragraph,
        "proposer": amendment.proposer,
        "kind": amendment.kind.value,
        "status": amendment.status.value,
        "supporters": list(amendment.supporters),
        "objections": objections,
        "created": iso(amendment.created),
        "contribution": amendment.contribution,
    }


def paragraph_fields(paragraph: Paragraph) -> dict[str, Any]:
    return {
        "label": paragraph.label,
        "kind": paragraph.kind.value,
        "status": paragraph.status.value,
        "proposal": paragraph.proposal,
        "alternative_to": paragraph.alternative_to,
        "silence_deadline": iso(paragraph.silence_deadline),
        "ad_ref_pending": sorted(paragraph.ad_ref_pending),
    }


def runs_of_text(text: Text) -> Runs:
    return normalize(Run(str(chunk), dict(attrs or {})) for chunk, attrs in text.diff())


def write_runs(text: Text, runs: Iterable[Run]) -> None:
    write_delta(text, tuple(Insert(run.text, dict(run.attrs) or None) for run in runs))


def write_delta(text: Text, utf8_delta: Delta) -> None:
    """Apply a delta whose counts are UTF-8 bytes (pycrdt's unit) to a Y.Text."""
    pos = 0
    for op in utf8_delta:
        if isinstance(op, Retain):
            if op.attrs:
                text.format(pos, pos + op.count, dict(op.attrs))
            pos += op.count
        elif isinstance(op, Insert):
            # Explicit (even empty) attributes: without them Y.Text inherits its neighbour's.
            text.insert(pos, op.text, dict(op.attrs or {}))
            pos += len(op.text.encode("utf-8"))
        elif isinstance(op, Delete):
            del text[pos : pos + op.count]
