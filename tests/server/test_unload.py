"""An unloaded room is freed: nothing (pycrdt observers included) keeps its document alive."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

from client.seeding import seed_demo
from drafting import demo
from server.rooms import Rooms
from server.settings import Settings
from server.storage import Storage


async def test_rooms_unloaded_again_and_again_leave_nothing_behind(tmp_path: Path) -> None:
    storage = Storage.open(f"sqlite:///{tmp_path / 'unload.sqlite3'}")
    storage.migrate()
    seed_demo(storage)
    rooms = Rooms(storage, Settings(idle_unload_seconds=3600))
    gone: list[weakref.ref[object]] = []
    try:
        for _ in range(3):
            room = await rooms.get(demo.DRAFT_ID)
            gone += [weakref.ref(room), weakref.ref(room.live), weakref.ref(room.gate)]
            del room
            await rooms.unload(demo.DRAFT_ID)
        assert rooms.loaded() == []
        for _ in range(10):  # cancelled background tasks end at the loop's next turns
            gc.collect()
            if all(ref() is None for ref in gone):
                break
            await asyncio.sleep(0)
        assert [ref() for ref in gone] == [None] * len(gone)
    finally:
        await rooms.close()
        storage.close()
