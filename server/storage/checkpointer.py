"""SQLite: folding the WAL into the database file on a thread of its own (see `fastpath`).

Commits on the kept connections never checkpoint inline (unless the WAL outgrows
`engine.WAL_FRAMES_MAX`); the committer wakes this every `fastpath.CHECKPOINT_EVERY` commits.
``wal_checkpoint(PASSIVE)`` waits for no writer, and no writer waits for it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

CHECKPOINT_PASSES = 20  # at most, per wake, until a pass catches up with the commits

log = logging.getLogger(__name__)


class Checkpointer:
    """SQLite: copies the WAL into the database file on a thread of its own, when woken."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def wake(self) -> None:
        with self._start:
            if self._closed:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="rollingtext-checkpoint", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        with self._start:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            try:
                connection = self._engine.raw_connection()
                try:
                    cursor = connection.cursor()
                    # Commits go on meanwhile: pass again until one pass copies all there is,
                    # so that the next commit starts the WAL over instead of growing it.
                    for _ in range(CHECKPOINT_PASSES):
                        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                        _busy, frames, copied = cursor.fetchone() or (1, 0, 0)
                        if frames == copied or self._closed:
                            break
                    cursor.close()
                finally:
                    connection.close()
            except Exception:  # the next wake tries again; commits checkpoint if WAL grows
                log.warning("SQLite checkpoint failed", exc_info=True)
