"""Reading the record (DESIGN §6): an append-only, gap-free event sequence per draft.

Appends are optimistic and run with the commit they belong to (`fastpath.CommitWriter`): the
caller says which seq it last saw; the new events take the next numbers. The primary key
(draft_id, seq) is the serialization point between writers, whichever process they run in: of
two appends after the same seq, the second collides and is refused.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.storage.models import EventRow
from server.storage.records import StoredEvent


def last_seq(session: Session, draft_id: str) -> int:
    """The seq of the draft's newest event; 0 when it has none."""
    found = session.scalar(select(func.max(EventRow.seq)).where(EventRow.draft_id == draft_id))
    return found or 0


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
