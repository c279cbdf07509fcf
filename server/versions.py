"""A draft as it stood at a point of its record: procedural state, text with marks, and roster.

Exports, reports, history and redlines read drafts through here. The record replays to any
event; the text comes from the version the committer kept with that event (`versions` table),
or from the live document (snapshot + tail) for the present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pycrdt import Doc

from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.record import Recorded, replay
from drafting.runs import Runs
from server.drafts import delegation_of, to_recorded
from server.livedoc import LiveDoc
from server.storage import Storage


class NoSuchPoint(LookupError):
    """The draft is unknown, or the record has no event ``seq`` / no text kept for it."""


@dataclass(frozen=True)
class DraftVersion:
    seq: int  # the last event of the record this version includes
    at: datetime  # when that event was recorded
    draft: Draft  # the procedural state replayed to ``seq``
    runs: dict[str, Runs]  # paragraph id → its text with amendment marks, as it stood
    history: tuple[Recorded, ...]  # events 1..seq
    delegations: dict[str, Delegation]  # the roster (revoked delegations included)

    def name_of(self, code: str) -> str:
        delegation = self.delegations.get(code)
        return delegation.name if delegation is not None else code


def version_at(storage: Storage, draft_id: str, seq: int | None = None) -> DraftVersion:
    """The draft after event ``seq`` (None: as it stands now, with the latest typing)."""
    history = tuple(to_recorded(e) for e in storage.events(draft_id))
    if not history:
        raise NoSuchPoint(f"no draft {draft_id!r}")
    last = history[-1].seq
    if seq is not None and not 1 <= seq <= last:
        raise NoSuchPoint(f"draft {draft_id!r} has events 1..{last}, not {seq}")
    if seq is None or (seq == last and storage.version_at(draft_id, seq) is None):
        state = _current_state(storage, draft_id)
        seq = last
    else:
        kept = storage.version_at(draft_id, seq)
        if kept is None:
            raise NoSuchPoint(f"no text was kept for draft {draft_id!r} at event {seq}")
        state = kept.state
    history = history[:seq]
    draft = replay(list(history))
    assert draft is not None
    live = LiveDoc(Doc())
    live.doc.apply_update(state)
    people = {d.code: d for d in _everyone(storage)}
    return DraftVersion(seq, history[-1].at, draft, live.all_runs(), history, people)


def _current_state(storage: Storage, draft_id: str) -> bytes:
    loaded = storage.load(draft_id)
    doc: Doc[Any] = Doc()
    with doc.transaction():
        if loaded.snapshot is not None:
            doc.apply_update(loaded.snapshot.state)
        for update in loaded.updates:
            doc.apply_update(update.data)
    return doc.get_update()


def _everyone(storage: Storage) -> list[Delegation]:
    return [delegation_of(d) for d in storage.list_delegations(include_revoked=True)]
