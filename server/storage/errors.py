"""What storage refuses, as typed exceptions carrying their data and a stable ``code``.

The shell maps codes to HTTP statuses and close codes in one place (like `drafting.errors`).
Database driver errors that storage does not understand are never relabelled: they propagate.
"""

from __future__ import annotations

from typing import ClassVar


class StorageError(Exception):
    """Base of every refusal by storage. ``code`` is stable; the message is for people."""

    code: ClassVar[str] = "storage_error"


class StaleSequence(StorageError):
    """Someone appended to the draft's record after the caller read it; nothing was written.

    The caller re-reads the record from ``expected_seq`` on, re-decides, and tries again.
    """

    code = "stale_sequence"

    def __init__(self, draft_id: str, expected_seq: int, actual_seq: int | None = None) -> None:
        found = "" if actual_seq is None else f", the record is at {actual_seq}"
        super().__init__(f"draft {draft_id!r}: expected the record at seq {expected_seq}{found}")
        self.draft_id = draft_id
        self.expected_seq = expected_seq
        self.actual_seq = actual_seq


class UnknownDraft(StorageError):
    code = "unknown_draft"

    def __init__(self, draft_id: str) -> None:
        super().__init__(f"no draft {draft_id!r}")
        self.draft_id = draft_id


class DraftExists(StorageError):
    code = "draft_exists"

    def __init__(self, draft_id: str) -> None:
        super().__init__(f"draft {draft_id!r} already exists")
        self.draft_id = draft_id


class UnknownDelegation(StorageError):
    code = "unknown_delegation"

    def __init__(self, delegation: str) -> None:
        super().__init__(f"no delegation {delegation!r}")
        self.delegation = delegation


class DelegationExists(StorageError):
    code = "delegation_exists"

    def __init__(self, delegation: str) -> None:
        super().__init__(f"delegation {delegation!r} already exists")
        self.delegation = delegation


class DelegationRevoked(StorageError):
    code = "delegation_revoked"

    def __init__(self, delegation: str) -> None:
        super().__init__(f"delegation {delegation!r} is revoked")
        self.delegation = delegation


class WriterBusy(StorageError):
    """A commit that was not to wait found the database's write lock taken; nothing was written.

    The caller commits again the ordinary way (on a thread, waiting its turn)."""

    code = "writer_busy"

    def __init__(self, draft_id: str) -> None:
        super().__init__(f"draft {draft_id!r}: another writer holds the database")
        self.draft_id = draft_id
