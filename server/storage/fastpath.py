"""The committer's rounds — typing, and the record's events and versions — without the ORM.

`Storage.commit` runs here on SQLite and PostgreSQL: the same single transaction as the ORM path
(the draft's row read under lock: PostgreSQL ``SELECT … FOR UPDATE``, SQLite ``BEGIN
IMMEDIATE``, which holds the database's write lock; the record's seq checked; events inserted at
seq expected+1…, so a race on the primary key raises an integrity error; updates inserted with
``RETURNING id``; versions; ``drafts.last_update_id`` set; on any error rolled back, nothing
written), as a few plain statements on a DB-API connection kept for it. Through a Session, a
typing commit cost ~1.4 ms of CPU whatever its size (SQLite, measured); here ~0.15 ms, and on
PostgreSQL ~0.25 ms instead of ~2.3 ms. `Storage.compact` (snapshot in, folded updates out) runs
here too.

SQLite durability (a file database): these connections commit with ``synchronous = NORMAL``; no
commit checkpoints after every 1,000 pages of WAL as SQLite would (`engine`): a background thread
folds the WAL into the database file every `CHECKPOINT_EVERY` commits (``wal_checkpoint(PASSIVE)``:
it waits for no writer, and no writer waits for it; only past `engine.WAL_FRAMES_MAX` pages does a
commit checkpoint inline, the safety net when commits keep racing it). In WAL mode NORMAL skips the
fsync at each commit, not the write: a commit is in the WAL, in the operating system's cache,
before `commit` returns and the round is broadcast, so a crash of the server process (SIGKILL:
tests/reliability/test_crash.py) loses nothing; a power cut or kernel crash may lose the last
typing rounds (never a torn database). Commits with events (the record) switch their connection to
``synchronous = FULL`` for that commit, whose fsync of the WAL also makes every typing round
before them durable — except rounds whose events only restate their own typing (an amendment
opened or emptied by typing: `Storage.commit`'s ``record_durable``). Those events are derived
from the text they are stored with, and the WAL loses a suffix, never a middle: a power cut takes
such a registration together with its text, or neither, and the delegation's client, which still
holds the text, sends it again on reconnecting, where it is registered again under the same id.
Their fsync cost every typist queued behind it a few milliseconds (the heavy benchmark's p99).
Measured on the benchmark VM's disk, with FULL and automatic checkpoints ~6 % of typing commits
took over 5 ms (an fsync, or a checkpoint's two), up to 220 ms under another process's disk load:
that tail, not CPU, made the durable heavy run's p99; NORMAL without inline checkpoints: none over
3 ms.

Values go through the columns' own SQLAlchemy bind processors, so the rows are exactly what the
ORM would have written (SQLite: naive UTC timestamps as text). Driver errors are raised wrapped
as SQLAlchemy's (`sqlalchemy.exc.DBAPIError` and its subclasses, parameters hidden), as the ORM
path raises them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection, StaticPool

from server.storage.checkpointer import Checkpointer
from server.storage.errors import StaleSequence, UnknownDraft, WriterBusy
from server.storage.models import DraftRow, EventRow, SnapshotRow, UpdateRow, VersionRow
from server.storage.records import NewEvent, NewUpdate, Snapshot, StoredEvent, utc
from server.storage.version_chain import VersionChain

ROWS_PER_INSERT = 200  # rows per multi-row INSERT: 800 parameters, far below any driver's limit
IDLE_MAX = 2  # connections kept between commits (more are borrowed only while commits overlap)
CHECKPOINT_EVERY = 200  # SQLite: commits between background checkpoints (~3 MB of WAL)
# SQLite, on the connections this module keeps (restored when one goes back to the pool).
TUNING = {"synchronous": "NORMAL"}
SQLITE_BUSY = 5  # the result code of a write lock held by another connection

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_Run = Callable[[str, Sequence[Any]], DBAPICursor]  # executes one statement; the cursor


class _LockTaken(Exception):
    """A commit that was not to wait met the write lock taken (before writing anything)."""


def _busy(error: BaseException) -> bool:
    """SQLITE_BUSY (sqlite3 errors carry their code from Python 3.11; extended codes keep the
    base code in their low byte)."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == SQLITE_BUSY


class CommitWriter:
    """Commits and compactions for one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect
        if dialect.name not in ("sqlite", "postgresql"):
            raise ValueError(f"storage runs on SQLite or PostgreSQL, not {dialect.name}")
        self._engine = engine
        self._sqlite = dialect.name == "sqlite"
        self._mark = "?" if self._sqlite else "%s"
        self._error: type[Exception] = dialect.loaded_dbapi.Error
        mark = self._mark
        drafts, events, updates, snapshots, versions = (
            t.__tablename__ for t in (DraftRow, EventRow, UpdateRow, SnapshotRow, VersionRow)
        )
        self._lock = f"SELECT last_update_id FROM {drafts} WHERE id = {mark}" + (
            "" if self._sqlite else " FOR UPDATE"
        )
        self._last_seq = f"SELECT max(seq) FROM {events} WHERE draft_id = {mark}"
        self._insert_head = f"INSERT INTO {updates} (draft_id, at, origin, data) VALUES "
        self._insert_event = (
            f"INSERT INTO {events} (draft_id, seq, at, actor, type, payload)"
            f" VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})"
        )
        self._insert_version = (
            f"INSERT INTO {versions} (draft_id, seq, at, base_seq, state)"
            f" VALUES ({mark}, {mark}, {mark}, {mark}, {mark})"
        )
        self._set_last = f"UPDATE {drafts} SET last_update_id = {mark} WHERE id = {mark}"
        self._exists = f"SELECT 1 FROM {drafts} WHERE id = {mark}"
        self._save_snapshot = (
            f"INSERT INTO {snapshots} (draft_id, up_to_update_id, event_seq, state, at)"
            f" VALUES ({mark}, {mark}, {mark}, {mark}, {mark}) RETURNING id"
        )
        self._delete_updates = f"DELETE FROM {updates} WHERE draft_id = {mark} AND id <= {mark}"
        table = UpdateRow.__table__
        self._at = _processor(table.c.at, engine)
        self._data = _processor(table.c.data, engine)
        self._payload = _processor(EventRow.__table__.c.payload, engine)
        self._idle: list[PoolProxiedConnection] = []
        self._guard = threading.Lock()
        # A file database (an in-memory one is a single shared connection: leave it as it is).
        self._tuned = self._sqlite and not isinstance(engine.pool, StaticPool)
        self._checkpointer = Checkpointer(engine) if self._tuned else None
        self._commits = 0
        self._versions = VersionChain()  # full states now and then, changes between
        # Commits that do not wait (`commit(wait=False)`): one connection of their own that
        # gives up at once (busy timeout 0) when another holds the write lock.
        self.commits_without_waiting = self._tuned
        self._nowait: PoolProxiedConnection | None = None
        self._nowait_guard = threading.Lock()

    def commit(
        self,
        draft_id: str,
        expected_seq: int | None,
        updates: Sequence[NewUpdate],
        now: datetime,
        *,
        events: Sequence[NewEvent] = (),
        versions: Sequence[tuple[int, bytes]] = (),
        record_durable: bool = True,
        wait: bool = True,
    ) -> tuple[list[StoredEvent], list[int], int]:
        """Store ``events`` (seq expected_seq+1…), ``updates`` and ``versions`` in one
        transaction: (the stored events, the updates' new ids ascending, the previous last id).
        ``record_durable`` False: the events only restate this round's typing (see the module's
        docstring), so the commit is synced like a typing round. ``wait`` False (where
        `commits_without_waiting`): raise `WriterBusy` at once, having written nothing, when
        another connection holds the write lock, instead of waiting for it."""
        for _origin, data in updates:
            if not isinstance(data, bytes):
                raise TypeError(f"a Yjs update is bytes, not {type(data).__name__}")
        if events and (expected_seq is None or expected_seq < 0):
            raise ValueError(f"appending events needs an expected seq of 0 or more: {expected_seq}")
        at = self._at(now)
        rows = [(draft_id, at, origin, self._data(data)) for origin, data in updates]
        stored = [
            StoredEvent(
                draft_id,
                (expected_seq or 0) + offset,
                utc(event.at, "event time") if event.at else now,
                event.actor,
                event.type,
                dict(event.payload),
            )
            for offset, event in enumerate(events, start=1)
        ]
        event_rows = [
            (draft_id, e.seq, self._at(e.at), e.actor, e.type, self._payload(e.payload))
            for e in stored
        ]
        chain, base = self._versions.encode(draft_id, versions)
        version_rows = [(draft_id, v.seq, at, v.base_seq, self._data(v.data)) for v in chain]

        def work(run: _Run) -> tuple[list[StoredEvent], list[int], int]:
            found = run(self._lock, (draft_id,)).fetchone()
            if found is None:
                raise UnknownDraft(draft_id)
            previous = int(found[0] or 0)
            if expected_seq is not None:
                actual = int((run(self._last_seq, (draft_id,)).fetchone() or (0,))[0] or 0)
                if actual != expected_seq:
                    raise StaleSequence(draft_id, expected_seq, actual)
            for event_row in event_rows:  # a race on (draft_id, seq): an integrity error
                run(self._insert_event, event_row)
            ids: list[int] = []
            for start in range(0, len(rows), ROWS_PER_INSERT):
                chunk = rows[start : start + ROWS_PER_INSERT]
                inserted = run(self._insert(len(chunk)), [v for row in chunk for v in row])
                # Ids are given in VALUES order, which RETURNING does not promise to keep.
                ids.extend(sorted(int(r[0]) for r in inserted.fetchall()))
            for version_row in version_rows:
                run(self._insert_version, version_row)
            if ids:
                run(self._set_last, (ids[-1], draft_id))
            return stored, ids, previous

        # SQLite: the record is fsynced at its commit (typing rounds are not, see above).
        try:
            result = self._transaction(
                work, durable=bool(events or versions) and record_durable, wait=wait
            )
        except _LockTaken:
            raise WriterBusy(draft_id) from None
        self._versions.stored(draft_id, base)  # committed: later versions may refer to it
        if self._checkpointer is not None:
            self._commits += 1  # under the GIL; an occasional lost count is harmless
            if self._commits % CHECKPOINT_EVERY == 0:
                self._checkpointer.wake()
        return result

    def compact(
        self, draft_id: str, up_to_update_id: int, state: bytes, event_seq: int, now: datetime
    ) -> Snapshot:
        """Save the snapshot and delete the updates it folds in, in one transaction."""

        def work(run: _Run) -> Snapshot:
            if run(self._exists, (draft_id,)).fetchone() is None:
                raise UnknownDraft(draft_id)
            values = (draft_id, up_to_update_id, event_seq, self._data(state), self._at(now))
            found = run(self._save_snapshot, values).fetchone()
            assert found is not None
            run(self._delete_updates, (draft_id, up_to_update_id))
            return Snapshot(int(found[0]), draft_id, up_to_update_id, event_seq, now, state)

        return self._transaction(work)

    def _transaction(
        self, work: Callable[[_Run], _T], *, durable: bool = False, wait: bool = True
    ) -> _T:
        """``work`` in one transaction on a kept connection; rolled back entirely if it raises.
        ``durable``: on a tuned SQLite connection, this commit syncs fully (FULL, not NORMAL).
        ``wait`` False (tuned SQLite only): `_LockTaken`, nothing done, if the lock is taken."""
        nowait = not wait and self.commits_without_waiting
        if nowait:
            if not self._nowait_guard.acquire(blocking=False):
                raise _LockTaken
            try:
                connection = self._nowait_connection()
            except BaseException:
                self._nowait_guard.release()
                raise
            back = self._nowait_back
        else:
            connection, back = self._checkout(), self._checkin
        cursor = connection.cursor()
        statement = "BEGIN"
        full = durable and self._tuned

        def run(sql: str, parameters: Sequence[Any] = ()) -> DBAPICursor:
            nonlocal statement
            statement = sql
            cursor.execute(sql, parameters)
            return cursor

        try:
            if full:
                run("PRAGMA synchronous = FULL")
            if self._sqlite:
                run("BEGIN IMMEDIATE")
            result = work(run)
            statement = "COMMIT"
            connection.commit()
            if full:
                run(f"PRAGMA synchronous = {TUNING['synchronous']}")
        except BaseException as error:
            cursor.close()
            invalidated = self._abandon(connection, cursor, error, back)
            if nowait and statement == "BEGIN IMMEDIATE" and _busy(error):
                raise _LockTaken from error
            if isinstance(error, self._error):
                raise DBAPIError.instance(
                    statement,
                    None,
                    error,
                    self._error,
                    hide_parameters=True,
                    connection_invalidated=invalidated,
                    dialect=self._engine.dialect,
                ) from error
            raise
        cursor.close()
        back(connection)
        return result

    def _nowait_connection(self) -> PoolProxiedConnection:
        """The connection of commits that do not wait (its guard held by the caller)."""
        if self._nowait is None:
            connection = self._engine.raw_connection()
            try:
                _tune(connection)
                connection.cursor().execute("PRAGMA busy_timeout = 0")
            except BaseException:
                connection.invalidate()
                connection.close()
                raise
            self._nowait = connection
        return self._nowait

    def _nowait_back(self, connection: PoolProxiedConnection, broken: bool = False) -> None:
        if broken:
            self._nowait = None
        self._nowait_guard.release()

    def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for connection in idle:
            self._release(connection)
        with self._nowait_guard:
            nowait, self._nowait = self._nowait, None
        if nowait is not None:
            nowait.invalidate()  # closed, not pooled: its busy timeout is 0
            nowait.close()
        if self._checkpointer is not None:
            self._checkpointer.close()

    def _insert(self, count: int) -> str:
        row = f"({self._mark}, {self._mark}, {self._mark}, {self._mark})"
        return f"{self._insert_head}{', '.join([row] * count)} RETURNING id"

    def _checkout(self) -> PoolProxiedConnection:
        with self._guard:
            if self._idle:
                return self._idle.pop()
        connection = self._engine.raw_connection()
        if self._tuned:
            try:
                _tune(connection)
            except BaseException:
                connection.close()
                raise
        return connection

    def _checkin(self, connection: PoolProxiedConnection, broken: bool = False) -> None:
        if broken:
            return  # closed: nothing to keep
        with self._guard:
            if len(self._idle) < IDLE_MAX:
                self._idle.append(connection)
                return
        self._release(connection)

    def _release(self, connection: PoolProxiedConnection) -> None:
        """Back to the engine's pool, as the pool gave it."""
        try:
            if self._tuned:
                _untune(connection)
        except Exception:
            connection.invalidate()
        connection.close()

    def _abandon(
        self,
        connection: PoolProxiedConnection,
        cursor: DBAPICursor,
        error: BaseException,
        back: Callable[..., None],
    ) -> bool:
        """Roll back after ``error``; give the connection ``back`` (``broken=True`` if it had to
        be closed). Invalidated?"""
        broken = isinstance(error, self._error) and self._engine.dialect.is_disconnect(
            error,  # type: ignore[arg-type]
            connection,
            cursor,
        )
        if not broken:
            try:
                connection.rollback()
            except Exception:
                broken = True
        if broken:
            connection.invalidate(error if isinstance(error, Exception) else None)
            connection.close()
        back(connection, broken)
        return broken


def _tune(connection: PoolProxiedConnection) -> None:
    cursor = connection.cursor()
    try:
        saved = {}
        for pragma, value in TUNING.items():
            cursor.execute(f"PRAGMA {pragma}")
            saved[pragma] = (cursor.fetchone() or ("",))[0]
            cursor.execute(f"PRAGMA {pragma} = {value}")
        connection.info["rollingtext_untuned"] = saved
    finally:
        cursor.close()


def _untune(connection: PoolProxiedConnection) -> None:
    saved = connection.info.pop("rollingtext_untuned", {})
    cursor = connection.cursor()
    try:
        for pragma, value in saved.items():
            cursor.execute(f"PRAGMA {pragma} = {int(value)}")
    finally:
        cursor.close()


def _processor(column: ColumnElement[Any], engine: Engine) -> Callable[[Any], Any]:
    """The column type's bind processor on this engine's dialect (identity when it has none)."""
    dialect = engine.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value
