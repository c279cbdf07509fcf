"""Memory given back once rooms unload: their objects freed now, and the freed pages returned.

Two things keep an unloaded room's memory from the operating system, measured under the soak
(`tests.reliability.soak`, 100 drafts):

- A room is a web of reference cycles (room ↔ committer callbacks, replica, presence outbox),
  so it is freed by the garbage collector's next *full* pass, not when it unloads. Full passes
  come with allocations: a server gone quiet keeps the last rooms it unloaded (~80 after a
  storm, 12-20 MB) until someone works again.
- glibc's ``malloc`` keeps what is freed for reuse and hands back only the top of its heap.
  Rooms load again with larger documents (the record only grows) into a heap whose free space
  is in pieces: the heap grew by ~5 MB a minute while what was in use at rest stayed at 27 MB
  (RSS 154 → 190 MB in 7 minutes); after ``malloc_trim`` the RSS stayed at 137-143 MB.

So after rooms unload, `Reclaimer` runs one full collection, then ``malloc_trim(0)``. Unloads
come in bursts (rooms go idle together after a crowd leaves): they share one reclaim, and
reclaims are spaced so that they take at most `RECLAIM_SHARE` of the event loop's time (a full
collection's cost grows with the rooms still loaded) — except once the last room has gone:
then nobody waits on it, and it is cheap. Where the C library has no ``malloc_trim`` (not
glibc), only the collection runs.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

RECLAIM_AFTER = 0.1  # seconds after an unload: the burst it belongs to has unloaded by then
RECLAIM_SHARE = 0.05  # of the loop's time, at most, spent reclaiming (spaces reclaims out)


def _find_malloc_trim() -> Callable[[int], int] | None:
    try:
        function = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS, Windows)
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


_MALLOC_TRIM = _find_malloc_trim()


def trim() -> bool:
    """Return the C allocator's free pages to the operating system; False when the C library
    cannot (then nothing happens)."""
    if _MALLOC_TRIM is None:
        return False
    _MALLOC_TRIM(0)
    return True


class Reclaimer:
    """Frees what unloaded rooms left behind and returns it to the system, one reclaim per
    burst of unloads, spaced out by its own cost."""

    def __init__(
        self,
        *,
        after: float = RECLAIM_AFTER,
        share: float = RECLAIM_SHARE,
        collect: Callable[[], object] = gc.collect,
        release: Callable[[], object] = trim,
    ) -> None:
        self.after = after
        self.share = share
        self._collect = collect
        self._release = release
        self._handle: asyncio.TimerHandle | None = None
        self._earliest = float("-inf")  # loop time before which the next reclaim waits
        self._settled = asyncio.Event()
        self._settled.set()
        self.reclaims = 0
        self.last_seconds = 0.0

    def soon(self, *, idle: bool = False) -> None:
        """Something was unloaded: reclaim shortly (once for all that unload meanwhile).
        ``idle``: no room is loaded any more, so nobody waits on a collection and it is cheap
        (`app.freeze_startup_objects`): reclaim without spacing it out."""
        loop = asyncio.get_running_loop()
        at = loop.time() + self.after
        if not idle:
            at = max(at, self._earliest)
        if self._handle is not None:
            if self._handle.when() <= at:
                return
            self._handle.cancel()
        self._settled.clear()
        self._handle = loop.call_at(at, self.reclaim)

    def reclaim(self) -> None:
        """Collect every unreachable object now, then give the freed pages back."""
        self._handle = None
        started = time.perf_counter()
        self._collect()
        self._release()
        self.last_seconds = time.perf_counter() - started
        self.reclaims += 1
        self._earliest = asyncio.get_running_loop().time() + self.last_seconds / self.share
        self._settled.set()
        log.debug("reclaimed memory in %.1f ms", 1000 * self.last_seconds)

    async def settled(self) -> None:
        """Wait until no reclaim is pending (at once when none is)."""
        await self._settled.wait()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._settled.set()
