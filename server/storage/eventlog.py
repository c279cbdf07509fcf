"""The record (DESIGN §6): an append-only, gap-free event sequence per draft.

Appends are optimistic: the caller says which seq it last saw; the new events take the next
numbers. The primary key (draft_id, seq) is the serialization point between writers, whichever
process they run in: of two appends after the same seq, the second collides and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.storage.errors import StaleSequence
from server.storage.models import EventRow
from server.storage.records import NewEvent, StoredEvent, utc


def last_seq(session: Session, draft_id: str) -> int:
    """The seq of the draft's newest event; 0 when it has none."""
    found = session.scalar(select(func.max(EventRow.seq)).where(EventRow.draft_id == draft_id))
    return found or 0


def check_expected(session: Session, draft_id: str, expected_seq: int) -> None:
    """Refuse early when the record has moved on (the key constraint catches later races)."""
    actual = last_seq(session, draft_id)
    if actual != expected_seq:
        raise StaleSequence(draft_id, expected_seq, actual)


def append(
    session: Session,
    draft_id: str,
    expected_seq: int,
    events: Sequence[NewEvent],
    now: datetime,
) -> list[StoredEvent]:
    """Insert ``events`` as seq expected_seq+1…; flushes, so a collision raises here."""
    if expected_seq < 0:
        raise ValueError(f"expected_seq must be 0 or more, not {expected_seq}")
    check_expected(session, draft_id, expected_seq)
    rows = [
        EventRow(
            draft_id=draft_id,
            seq=expected_seq + offset,
            at=utc(event.at, "event time") if event.at else now,
            actor=event.actor,
            type=event.type,
            payload=dict(event.payload),
        )
        for offset, event in enumerate(events, start=1)
    ]
    session.add_all(rows)
    session.flush()
    return [row.record() for row in rows]


def read(session: Session, draft_id: str, after: int = 0) -> list[StoredEvent]:
    """The draft's events with seq > ``after``, in order."""
    rows = session.execute(  # columns, not entities: no ORM identity per row
        select(EventRow.seq, EventRow.at, EventRow.actor, EventRow.type, EventRow.payload)
        .where(EventRow.draft_id == draft_id, EventRow.seq > after)
        .order_by(EventRow.seq)
    )
    return [
        StoredEvent(draft_id, seq, at, actor, type_, payload)
        for seq, at, actor, type_, payload in rows
    ]
