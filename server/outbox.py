"""Presence out: a room's awareness updates, sent as one merged frame per tick.

Every client sends its cursor often; relaying each update to every other client costs
clients² frames. Instead the entries wait here for at most one tick, keyed by client id (a newer
state of the same client replaces the one waiting: superseded states are never sent), and go
out as one awareness update, framed once and written to every connection — the sender included,
which y-protocols clients ignore (same clock). An update after a quiet tick goes out at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from server.wire import Reader, awareness_frame, varuint

AWARENESS_TICK = 0.05  # seconds: at most this late, at most one presence frame per tick


class AwarenessOutbox:
    def __init__(self, send: Callable[[bytes], None], tick: float = AWARENESS_TICK) -> None:
        self._send = send
        self._tick = tick
        self._waiting: dict[int, bytes] = {}  # client id → its encoded entry
        self._timer: asyncio.TimerHandle | None = None
        self._last = float("-inf")  # loop time of the last frame sent

    def add(self, update: bytes) -> None:
        """Queue the entries of a (well-formed, already checked) awareness update."""
        reader = Reader(update)
        for _ in range(reader.uint()):
            start = reader.pos
            client = reader.uint()
            reader.uint()  # clock
            reader.chunk()  # state
            self._waiting[client] = update[start : reader.pos]
        if self._timer is not None or not self._waiting:
            return
        loop = asyncio.get_running_loop()
        delay = self._last + self._tick - loop.time()
        if delay <= 0:
            self.flush()
        else:
            self._timer = loop.call_later(delay, self.flush)

    def flush(self) -> None:
        """Send what is waiting now, as one frame."""
        self._timer = None
        if not self._waiting:
            return
        entries, self._waiting = self._waiting, {}
        self._last = asyncio.get_running_loop().time()
        self._send(awareness_frame(varuint(len(entries)) + b"".join(entries.values())))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
