"""The live documents (DESIGN §9): a Yjs update log per draft, snapshots, and compaction.

A draft loads as its latest snapshot plus the updates after it. Compaction folds a prefix of
the log into a snapshot and deletes that prefix, atomically (written, with every commit, by
`fastpath.CommitWriter`; read here). Updates are opaque bytes here: merging them is the caller's
job (pycrdt), storage stays generic.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.storage import eventlog
from server.storage.errors import StorageError
from server.storage.models import DraftRow, SnapshotRow, UpdateRow, VersionRow
from server.storage.records import (
    CatchUp,
    LoadedDocument,
    Snapshot,
    StoredUpdate,
    Version,
)
from server.storage.version_chain import whole


def read_updates(session: Session, draft_id: str, after_id: int = 0) -> list[StoredUpdate]:
    # Columns, not entities: no ORM identity per row (a 100,000-update tail: 4 s of CPU → 0.8 s).
    rows = session.execute(
        select(UpdateRow.id, UpdateRow.at, UpdateRow.origin, UpdateRow.data)
        .where(UpdateRow.draft_id == draft_id, UpdateRow.id > after_id)
        .order_by(UpdateRow.id)
    )
    return [StoredUpdate(id_, draft_id, at, origin, data) for id_, at, origin, data in rows]


def save_snapshot(
    session: Session,
    draft_id: str,
    up_to_update_id: int,
    state: bytes,
    event_seq: int,
    now: datetime,
) -> Snapshot:
    row = SnapshotRow(
        draft_id=draft_id,
        up_to_update_id=up_to_update_id,
        event_seq=event_seq,
        state=state,
        at=now,
    )
    session.add(row)
    session.flush()
    return row.record()


def latest_snapshot(session: Session, draft_id: str) -> Snapshot | None:
    row = session.scalars(
        select(SnapshotRow)
        .where(SnapshotRow.draft_id == draft_id)
        .order_by(SnapshotRow.up_to_update_id.desc(), SnapshotRow.id.desc())
        .limit(1)
    ).first()
    return row.record() if row else None


def load(session: Session, draft_id: str) -> LoadedDocument:
    """The latest snapshot and the updates after it (call within one transaction)."""
    covered = session.scalar(select(DraftRow.last_update_id).where(DraftRow.id == draft_id))
    snapshot = latest_snapshot(session, draft_id)
    after = snapshot.up_to_update_id if snapshot else 0
    updates = read_updates(session, draft_id, after)
    if covered is not None and updates:
        covered = max(covered, updates[-1].id)
    return LoadedDocument(draft_id, snapshot, updates, covered)


def catch_up(session: Session, draft_id: str, after_seq: int, after_update_id: int) -> CatchUp:
    """Events after ``after_seq`` and updates after ``after_update_id`` (through the latest
    snapshot when a compaction has deleted some of those); call within one transaction."""
    covered = session.scalar(select(DraftRow.last_update_id).where(DraftRow.id == draft_id)) or 0
    events = eventlog.read(session, draft_id, after_seq)
    snapshot = None
    if covered > after_update_id:
        snapshot = latest_snapshot(session, draft_id)
        if snapshot is not None and snapshot.up_to_update_id > after_update_id:
            after_update_id = snapshot.up_to_update_id
        else:
            snapshot = None
    updates = read_updates(session, draft_id, after_update_id) if covered > after_update_id else []
    if updates:
        covered = max(covered, updates[-1].id)
    return CatchUp(events, snapshot, updates, max(covered, after_update_id))


def version_at(session: Session, draft_id: str, seq: int) -> Version | None:
    """The latest kept version at or before event ``seq``, as a full state."""
    row = session.scalars(
        select(VersionRow)
        .where(VersionRow.draft_id == draft_id, VersionRow.seq <= seq)
        .order_by(VersionRow.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    state = row.state
    if row.base_seq is not None:  # a change since a full version
        base = session.get(VersionRow, (draft_id, row.base_seq))
        if base is None or base.base_seq is not None:
            raise StorageError(f"draft {draft_id}: version {row.seq} lost its base {row.base_seq}")
        state = whole(base.state, row.state)
    return Version(draft_id, row.seq, row.at, state)
