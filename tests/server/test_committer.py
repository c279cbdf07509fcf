"""The committer: a defect after a round is stored reloads the room instead of hanging it."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
