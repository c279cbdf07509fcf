"""Storage, the imperative shell's database module (DESIGN §9). SQLAlchemy lives here only.

``Storage.open(url)`` → ``migrate()`` → drafts, delegations, credentials, the record (events),
the live document (Yjs updates, snapshots, compaction) and quarantine, as plain records.
"""

from server.storage.engine import DEFAULT_URL
from server.storage.errors import (
    DelegationExists,
    DelegationRevoked,
    DraftExists,
    StaleSequence,
    StorageError,
    UnknownDelegation,
    UnknownDraft,
    WriterBusy,
)
from server.storage.records import (
    Committed,
    DelegationRecord,
    DraftRecord,
    LoadedDocument,
    NewEvent,
    NewUpdate,
    QuarantineRecord,
    Snapshot,
    StoredEvent,
    StoredUpdate,
)
from server.storage.store import Clock, Storage

__all__ = [
    "DEFAULT_URL",
    "Clock",
    "Committed",
    "DelegationExists",
    "DelegationRecord",
    "DelegationRevoked",
    "DraftExists",
    "DraftRecord",
    "LoadedDocument",
    "NewEvent",
    "NewUpdate",
    "QuarantineRecord",
    "Snapshot",
    "StaleSequence",
    "Storage",
    "StorageError",
    "StoredEvent",
    "StoredUpdate",
    "UnknownDelegation",
    "UnknownDraft",
    "WriterBusy",
]
