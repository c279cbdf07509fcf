"""A draft's procedural lock across server processes (DESIGN §8, scale-out).

PostgreSQL: a session-level advisory lock, taken on a connection of its own and held from
`acquire` to `release`, so that deciding a procedural command and committing its events is
serial across every process on the database. SQLite: nothing (one process serves a SQLite
database; the room's own asyncio lock is enough).

A session-level lock outlives a transaction: a connection that holds one must never go back to
the pool still holding it (the pool's reset is a ROLLBACK, which keeps it), or every later
procedural action on the draft would wait for ever. So whenever taking or giving back the lock
goes wrong, the connection is invalidated: its session ends, and the lock with it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, Engine, text


class DraftLock:
    def __init__(self, engine: Engine, installation: str, draft_id: str) -> None:
        self.draft_id = draft_id
        self._engine = engine
        self._key: int | None = None
        if engine.dialect.name == "postgresql":
            # Advisory locks are database-wide: two installations in one database (schemas)
            # must not share keys.
            self._key = lock_key(installation, draft_id)
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def acquire(self) -> None:
        """Block until this process holds the draft's lock (blocking I/O: run in a thread)."""
        if self._key is None:
            return
        if self._connection is not None:
            raise RuntimeError(f"the lock of draft {self.draft_id} is already held here")
        connection = self._engine.connect()
        try:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self._key})
            connection.commit()
        except BaseException:
            connection.invalidate()  # the lock may have been granted: end the session
            connection.close()
            raise
        self._connection = connection

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            connection.commit()
        except BaseException:
            connection.invalidate()
            raise
        finally:
            connection.close()


def lock_key(installation: str, draft_id: str) -> int:
    """A stable signed 64-bit advisory-lock key for a draft of an installation."""
    digest = hashlib.blake2b(
        f"rollingtext:{installation}:{draft_id}".encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)
