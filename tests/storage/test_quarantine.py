"""Quarantine keeps reverted transactions, per draft, with who, why and the bytes."""

from __future__ import annotations

import pytest

from server.storage import Storage, UnknownDraft
from tests.storage.conftest import Clock


def test_a_quarantined_transaction_round_trips(store: Storage, draft: str, clock: Clock) -> None:
    kept = store.quarantine(
        draft, "base_text_deleted", "members may not delete base text", "USA", b"\x01\x02"
    )
    other = store.create_draft("Other", "B/1").id
    store.quarantine(other, "agreed_paragraph", "OP3 is agreed", "BRA", b"\x03")
    again = store.quarantine(draft, "foreign_proposal", "edits BRA's proposal a7", "USA", b"")
    assert store.quarantined(draft) == [kept, again]
    assert (kept.delegation, kept.code, kept.data, kept.at) == (
        "USA",
        "base_text_deleted",
        b"\x01\x02",
        clock.now,
    )
    assert "\\x01" not in repr(kept)  # bytes stay out of reprs and logs


def test_quarantine_needs_a_known_draft(store: Storage) -> None:
    with pytest.raises(UnknownDraft):
        store.quarantine("nope", "x", "y", "USA", b"")
