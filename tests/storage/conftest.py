"""One suite, two backends: every storage test runs on a SQLite file and on PostgreSQL.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (default: the local trust-auth server). Each test
gets a fresh schema (``search_path`` set through the URL), dropped afterwards, so runs never
collide. When no server answers, the PostgreSQL half is skipped with the reason shown.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from server.storage import Storage
from tests.conftest import POSTGRES_URL, libpq_url


@dataclass
class Backend:
    """A database under test: its URL for `Storage`, and raw SQL access for checks."""

    name: str
    url: str
    sqlite_path: Path | None = None
    schema: str | None = None

    def rows(self, query: LiteralString) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path) as connection:
                return connection.execute(query).fetchall()
        with psycopg.connect(
            libpq_url(POSTGRES_URL), options=f"-csearch_path={self.schema}", autocommit=True
        ) as connection:
            return connection.execute(query).fetchall()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "var" / "test.sqlite3"  # the parent directory does not exist yet
        yield Backend("sqlite", f"sqlite:///{path}", sqlite_path=path)
        return
    server = request.getfixturevalue("postgres_server")
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(libpq_url(server), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            separator = "&" if "?" in server else "?"
            options = quote(f"-csearch_path={schema}")
            yield Backend("postgresql", f"{server}{separator}options={options}", schema=schema)
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


class Clock:
    """A settable clock for `Storage(clock=...)`."""

    def __init__(self) -> None:
        self.now = datetime(2014, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def open_storage(backend: Backend, clock: Clock) -> Iterator[Callable[[], Storage]]:
    """Opens more `Storage` instances (own engine each) on the migrated test database."""
    opened: list[Storage] = []

    def open_one() -> Storage:
        store = Storage.open(backend.url, clock=clock)
        opened.append(store)
        return store

    open_one().migrate()
    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(open_storage: Callable[[], Storage]) -> Storage:
    return open_storage()


@pytest.fixture
def draft(store: Storage) -> str:
    return store.create_draft("Enhanced cooperation", "WGEC/2014/CRP.1", draft_id="wgec").id
