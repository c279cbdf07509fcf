"""The committer: a defect after a round is stored reloads the room instead of hanging it; what
it fsyncs."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drafting import events as ev
from drafting.record import Recorded
from server.committer import Batch, Committer
from server.storage import Storage


async def test_a_failing_broadcast_keeps_the_round_and_breaks_the_room(tmp_path: Path) -> None:
    storage = Storage.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    storage.migrate()
    draft = storage.create_draft("Enhanced cooperation", "WGEC/2014/CRP.1").id
    failures: list[BaseException] = []

    def broadcast(batches: list[Batch]) -> None:
        raise RuntimeError("a defect while sending")

    committer = Committer(draft, storage, broadcast, failures.append, snapshot=lambda: (b"", 0))
    try:
        stored = committer.submit(Batch((), "conn:1", b"\x00\x00"))
        await asyncio.wait_for(stored, 10)  # the round was stored: its sender succeeded
        assert [u.data for u in storage.updates(draft)] == [b"\x00\x00"]
        assert [type(f) for f in failures] == [RuntimeError]  # the room reloads
        later = committer.submit(Batch((), "conn:1", b"\x00\x00"))
        assert isinstance(later.exception(), RuntimeError)  # refused at once, never left waiting
    finally:
        await committer.close()
        storage.close()


async def test_a_round_is_fsynced_when_it_records_a_decision_not_a_typed_amendment(
    tmp_path: Path,
) -> None:
    """Amendments that typing opened are as durable as the typing (no fsync); a round holding
    any procedural decision is fsynced, typed registrations with it or not (`fastpath`)."""
    storage = Storage.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    storage.migrate()
    draft = storage.create_draft("Enhanced cooperation", "WGEC/2014/CRP.1").id
    kept = storage._writer._checkout()
    statements: list[str] = []
    kept.dbapi_connection.set_trace_callback(statements.append)  # type: ignore[union-attr]
    storage._writer._checkin(kept)
    failures: list[BaseException] = []
    committer = Committer(
        draft, storage, lambda _: None, failures.append, snapshot=lambda: (b"", 0)
    )

    def event(seq: int, kind: ev.Event) -> tuple[Recorded, ...]:
        return (Recorded(seq, datetime.now(UTC), "DE", kind),)

    def fsyncs() -> int:
        found = statements.count("PRAGMA synchronous = FULL")
        statements.clear()
        return found

    proposed = ev.AmendmentProposed("DE-1", "p1", "DE", "insert", inserted="fair")
    try:
        await committer.submit(Batch(event(1, proposed), "client:DE", b"\x00\x00", typed=True))
        assert fsyncs() == 0
        objection = ev.ObjectionRaised("o1", "amendment:DE-1", "FR", "not agreed")
        await committer.submit(Batch(event(2, objection), "server", b""))
        assert fsyncs() == 1
        assert [e.type for e in storage.events(draft)] == [
            "amendment_proposed",
            "objection_raised",
        ]
        assert failures == []
    finally:
        await committer.close()
        storage.close()


async def test_a_typing_round_waits_its_turn_on_a_thread_when_another_writer_holds_sqlite(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Typing rounds commit on the event loop only when the write lock is free; taken (another
    process or connection writing), the round waits on a thread and is stored after it."""
    path = tmp_path / "db.sqlite3"
    storage = Storage.open(f"sqlite:///{path}")
    storage.migrate()
    draft = storage.create_draft("Enhanced cooperation", "WGEC/2014/CRP.1").id
    failures: list[BaseException] = []
    committer = Committer(
        draft, storage, lambda _: None, failures.append, snapshot=lambda: (b"", 0)
    )
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        stored = committer.submit(Batch((), "conn:1", b"\x00\x00"))
        done, _ = await asyncio.wait({stored}, timeout=0.2)  # the loop runs on meanwhile
        assert not done and storage.updates(draft) == []
        other.execute("COMMIT")
        await asyncio.wait_for(stored, 10)
        assert [u.data for u in storage.updates(draft)] == [b"\x00\x00"]
        assert failures == []
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # no retry
    finally:
        other.close()
        await committer.close()
        storage.close()
