"""An unloaded room is freed: nothing (pycrdt observers included) keeps its document alive."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from pathlib import Path

import pytest

from client.seeding import seed_demo
from drafting import demo
from server.memory import Reclaimer, trim
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


async def test_unloaded_rooms_are_freed_without_waiting_for_a_collection(tmp_path: Path) -> None:
    """A room is a web of reference cycles: left to the collector, it would stay in memory until
    the next full pass, which a quiet server never makes. Unloading reclaims it."""
    storage = Storage.open(f"sqlite:///{tmp_path / 'reclaim.sqlite3'}")
    storage.migrate()
    seed_demo(storage)
    rooms = Rooms(storage, Settings(idle_unload_seconds=3600))
    rooms.reclaimer.share = 1.0  # no spacing out: this process's collections are slow (pytest)
    gone: list[weakref.ref[object]] = []
    gc.collect()
    gc.disable()  # no collection but the reclaimer's: the test is the same on every run
    try:
        for _ in range(5):
            room = await rooms.get(demo.DRAFT_ID)
            gone += [weakref.ref(room), weakref.ref(room.live), weakref.ref(room.live.doc)]
            gone += [weakref.ref(room.committer), weakref.ref(room.replica)]
            del room
            await rooms.unload(demo.DRAFT_ID)
            await rooms.reclaimer.settled()
        assert rooms.loaded() == []
        assert [ref() for ref in gone] == [None] * len(gone)
        assert rooms.reclaimer.reclaims == 5
    finally:
        gc.enable()
        await rooms.close()
        storage.close()


async def test_a_burst_of_unloads_shares_one_reclaim() -> None:
    calls: list[str] = []
    reclaimer = Reclaimer(
        after=0.01, collect=lambda: calls.append("collect"), release=lambda: calls.append("trim")
    )
    for _ in range(20):  # rooms going idle together after a crowd left
        reclaimer.soon()
    await reclaimer.settled()
    assert calls == ["collect", "trim"]
    assert reclaimer.reclaims == 1


async def test_reclaims_are_spaced_out_by_their_cost() -> None:
    """A full collection costs more the more rooms stay loaded: reclaims then come less often,
    keeping them to ``share`` of the loop's time."""
    loop = asyncio.get_running_loop()
    times: list[float] = []

    def costly_collect() -> None:
        times.append(loop.time())
        time.sleep(0.02)  # a collection's cost, in this process's time (not a wait for others)

    reclaimer = Reclaimer(after=0.0, share=0.1, collect=costly_collect, release=lambda: None)
    reclaimer.soon()
    await reclaimer.settled()
    first_cost = reclaimer.last_seconds  # >= 20 ms
    reclaimer.soon()
    await reclaimer.settled()
    assert reclaimer.reclaims == 2
    # The second started no sooner than the first's cost / share (0.1) after the first ended.
    assert times[1] - times[0] >= first_cost + 0.99 * first_cost / 0.1


def rss_anon_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise RuntimeError("no RssAnon")


def test_trim_returns_the_heap_pages_freed_between_live_blocks() -> None:
    """What glibc keeps after a free: free space in the middle of the heap (here 64 MB between
    small blocks still in use) stays resident until ``malloc_trim`` hands it back."""
    if not Path("/proc/self/status").exists() or not trim():
        pytest.skip("needs Linux with glibc's malloc_trim")
    large: list[bytes] = []
    pins: list[bytes] = []
    for _ in range(4096):
        large.append(b"x" * 16_000)  # written, so resident (above Python's small-object pools)
        pins.append(b"y" * 600)  # stays: the freed blocks around it cannot coalesce to the top
    del large
    kept = rss_anon_kib()
    assert trim()
    returned = kept - rss_anon_kib()
    assert returned > 32 * 1024, f"only {returned} KiB of ~64,000 KiB freed were returned"
    assert len(pins) == 4096


async def test_the_last_unload_is_reclaimed_without_waiting_its_turn() -> None:
    reclaimer = Reclaimer(after=0.0, share=1e-9, collect=lambda: None, release=lambda: None)
    reclaimer.soon()
    await reclaimer.settled()  # the next reclaim is now due only in a very long time...
    reclaimer.soon()
    reclaimer.soon(idle=True)  # ...unless the last room went: then it comes at once
    await asyncio.wait_for(reclaimer.settled(), timeout=10)
    assert reclaimer.reclaims == 2
