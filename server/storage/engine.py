"""Engines for the two backends: a SQLite file (default) or PostgreSQL through psycopg 3.

SQLite connections get WAL, foreign keys and a busy timeout on connect. SQLAlchemy (not the
sqlite3 module) emits BEGIN, so that a write transaction can start with ``BEGIN IMMEDIATE``: it
takes the write lock up front and waits (busy timeout) for another writer, rather than failing
with "database is locked" when it upgrades a read snapshot that has gone stale.

Checkpoints: SQLite's default has the connection whose commit takes the WAL past 1,000 pages
copy it into the database file there and then (two fsyncs inside that commit: 10-200 ms on a
busy disk, a stall of every round queued behind it). `Storage` checkpoints on a thread of its own
instead (`fastpath`); a commit checkpoints inline only past `WAL_FRAMES_MAX` pages, the safety
net. ``synchronous`` stays SQLite's default here, FULL; see `fastpath` for typing rounds' NORMAL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite:///var/rollingtext.sqlite3"
DEFAULT_BUSY_TIMEOUT_MS = 5_000
WRITE = "rollingtext_write"
"""Execution option marking a write transaction (SQLite: ``BEGIN IMMEDIATE``)."""
WAL_FRAMES_MAX = 8_000
"""SQLite: pages of WAL past which a commit checkpoints inline (~32 MB; see the module doc)."""


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; ``postgresql://`` and ``postgres://`` get the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_engine(url: str | URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url``. Parameters never appear in logs or error messages."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_timeout_ms)
    return create_engine(parsed, hide_parameters=True, pool_pre_ping=True)


def writer(engine: Engine) -> Engine:
    """The same engine and pool, with transactions marked as writes."""
    return engine.execution_options(**{WRITE: True})


def _sqlite_engine(url: URL, busy_timeout_ms: int) -> Engine:
    memory = url.database in (None, "", ":memory:")
    if not memory and url.database and not url.query.get("uri"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"poolclass": StaticPool} if memory else {}
    engine = create_engine(
        url,
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        **options,
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (on_begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_FRAMES_MAX}")
        finally:
            cursor.close()

    def on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def diagnostics(engine: Engine) -> dict[str, str]:
    """Backend facts worth showing on a status page (and checking in tests)."""
    facts = {"backend": engine.dialect.name, "url": engine.url.render_as_string()}
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            for pragma in ("journal_mode", "foreign_keys", "busy_timeout"):
                value = connection.exec_driver_sql(f"PRAGMA {pragma}").scalar()
                facts[pragma] = str(value)
    return facts
