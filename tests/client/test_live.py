"""The Python client's waits (`LiveClient.wait_for`), without a server: frames are handed to
the clients as their readers would."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from client.live import LiveClient
from server import wire

URL = "http://127.0.0.1:9"  # never connected: these clients only take frames handed to them
TURNS = 20  # event loop turns: ample for a waiter to look once and wait (no I/O involved)


async def _turns() -> None:
    for _ in range(TURNS):
        await asyncio.sleep(0)


async def test_a_wait_wakes_on_a_change_only_another_named_client_sees() -> None:
    """Issue 8: a predicate comparing several clients, re-checked only on the waiting client's
    changes, missed the change that made it true when only another client received it."""
    mine, other = LiveClient(URL, "d", "t"), LiveClient(URL, "d", "t")
    try:
        named = asyncio.create_task(mine.wait_for(lambda: len(other.notices), 5, also=(other,)))
        unnamed = asyncio.create_task(mine.wait_for(lambda: len(other.notices), 5))
        await _turns()
        assert not named.done() and not unnamed.done()  # both looked: nothing yet
        await other._handle(wire.notice_frame({"type": "event", "seq": 1}))
        assert await named == 1
        await _turns()
        assert not unnamed.done()  # it never looks again: the flaw ``also`` fixes
        unnamed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await unnamed
        assert other._watchers == set() and mine._watchers == set()  # nothing left registered
    finally:
        await mine.close()
        await other.close()


async def test_a_wait_still_wakes_on_its_own_client_and_times_out() -> None:
    client = LiveClient(URL, "d", "t")
    try:
        waiting = asyncio.create_task(client.wait_for(lambda: client.notices, 5))
        await _turns()
        await client._handle(wire.notice_frame({"type": "event", "seq": 2}))
        assert [n["seq"] for n in await waiting] == [2]
        with pytest.raises(TimeoutError):
            await client.wait_for(lambda: False, timeout=0.01)
        assert client._watchers == set()
    finally:
        await client.close()
