"""Plain data in and out of storage: frozen dataclasses, no SQLAlchemy types.

Storage is generic: an event is ``(type, payload)`` as `drafting.events` serializes it, roles and
states are plain strings, Yjs updates and snapshots are opaque bytes. Timestamps are aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

NewUpdate: TypeAlias = tuple[str, bytes]
"""A Yjs update to store: ``(origin, data)``; origin tags who made it (DESIGN §7 rule 6)."""


@dataclass(frozen=True, slots=True)
class DraftRecord:
    id: str
    title: str
    symbol: str
    state: str
    created: datetime


@dataclass(frozen=True, slots=True)
class DelegationRecord:
    code: str
    name: str
    constituency: str
    role: str
    created: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append; ``at`` defaults to the storage clock at commit time."""

    type: str
    actor: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    draft_id: str
    seq: int
    at: datetime
    actor: str
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredUpdate:
    id: int
    draft_id: str
    at: datetime
    origin: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The document state with every update up to ``up_to_update_id`` folded in."""

    id: int
    draft_id: str
    up_to_update_id: int
    event_seq: int
    at: datetime
    state: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """What a room needs to rebuild a draft's Y.Doc: the latest snapshot plus the tail after it."""

    draft_id: str
    snapshot: Snapshot | None
    updates: list[StoredUpdate]
    covered_update_id: int | None = None  # drafts.last_update_id read with the rest

    @property
    def last_update_id(self) -> int:
        """Every update of the draft up to this id is in this load (0 when there is none)."""
        if self.covered_update_id is not None:
            return self.covered_update_id
        if self.updates:
            return self.updates[-1].id
        return self.snapshot.up_to_update_id if self.snapshot else 0


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What another process stored for a draft since a reader's last look."""

    events: list[StoredEvent]
    snapshot: Snapshot | None  # set when a compaction folded updates the reader had not read
    updates: list[StoredUpdate]
    last_update_id: int  # every update of the draft up to here is in snapshot + updates


@dataclass(frozen=True, slots=True)
class Committed:
    """The result of one atomic `Storage.commit`: stored events and new update ids, in order."""

    events: list[StoredEvent]
    update_ids: list[int]
    previous_update_id: int = 0  # the draft's newest update before this commit (0: none)


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """A reverted transaction kept for the record (DESIGN §5)."""

    id: int
    draft_id: str
    at: datetime
    delegation: str
    code: str
    reason: str
    data: bytes = field(repr=False)


def utc(value: datetime, what: str = "timestamp") -> datetime:
    """``value`` in UTC; a naive datetime is refused (storage keeps aware UTC only)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value!r} has no time zone")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Version:
    """The document's full state (a Yjs update) as it stood right after record event ``seq``."""

    draft_id: str
    seq: int
    at: datetime
    state: bytes = field(repr=False)
