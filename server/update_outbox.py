"""Document changes out: what a room stored, as one merged frame per tick under load.

A commit round's updates go to every connection as one frame, encoded once (the round's lone
sender, which already has them, excepted). Every frame costs one write per connection, so under
load rounds that come within a tick of the last frame wait for the tick and go out merged: each
connection gets at most one update frame per tick. The tick grows with the room — 20 µs per
connection (at most ~50,000 update frames a second for the room, whatever its size), never more
than 20 ms. A round after a quiet tick goes out at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable

from pycrdt import merge_updates

from server import wire

UPDATE_TICK_PER_CONNECTION = 0.00002
UPDATE_TICK_MAX = 0.02


class UpdateOutbox:
    def __init__(
        self, send: Callable[[bytes, Hashable | None], None], connections: Callable[[], int]
    ) -> None:
        self._send = send  # (frame, the connection not to send it to)
        self._connections = connections
        self._waiting: list[bytes] = []
        self._senders: set[Hashable | None] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._last = float("-inf")  # loop time of the last frame sent

    def add(self, update: bytes, sender: Hashable | None) -> None:
        """Queue a stored update; ``sender``: the connection that already has it (or None)."""
        self._waiting.append(update)
        self._senders.add(sender)

    def soon(self) -> None:
        """Send what waits now, or at the next tick if the last frame went out within one."""
        if not self._waiting or self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        tick = min(UPDATE_TICK_MAX, self._connections() * UPDATE_TICK_PER_CONNECTION)
        delay = self._last + tick - loop.time()
        if delay <= 0:
            self.flush()
        else:
            self._timer = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        """Send what waits now, as one merged frame."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiting:
            return
        updates, self._waiting = self._waiting, []
        senders, self._senders = self._senders, set()
        merged = updates[0] if len(updates) == 1 else merge_updates(*updates)
        exclude = senders.pop() if len(senders) == 1 else None
        self._last = asyncio.get_running_loop().time()
        self._send(wire.sync_frame(wire.SyncType.UPDATE, merged), exclude)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
