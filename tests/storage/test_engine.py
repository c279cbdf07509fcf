"""Connections: SQLite in WAL mode with foreign keys and a busy timeout; PostgreSQL URLs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from server.storage import DEFAULT_URL, Storage
from tests.conftest import libpq_url


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    with Storage.open(f"sqlite:///{path}", busy_timeout_ms=1234) as store:
        store.migrate()
        facts = store.diagnostics()
    assert facts["journal_mode"] == "wal"
    assert facts["foreign_keys"] == "1"
    assert facts["busy_timeout"] == "1234"
    with sqlite3.connect(path) as raw:  # WAL is a property of the file: any reader sees it
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_default_url_is_a_sqlite_file_whose_directory_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert DEFAULT_URL == "sqlite:///var/rollingtext.sqlite3"
    with Storage.open() as store:
        store.migrate()
    assert (tmp_path / "var" / "rollingtext.sqlite3").is_file()


def test_in_memory_sqlite_keeps_one_database(tmp_path: Path) -> None:
    with Storage.open("sqlite://") as store:
        store.migrate()
        store.create_draft("In memory", "M/1", draft_id="m")
        assert store.get_draft("m") is not None


def test_a_plain_postgresql_url_is_served_by_psycopg(postgres_server: str) -> None:
    with Storage.open(libpq_url(postgres_server)) as store:
        assert "postgresql+psycopg://" in repr(store)
        assert store.diagnostics()["backend"] == "postgresql"
        store.schema_revision()  # connects


def test_the_password_never_shows_in_repr() -> None:
    store = Storage.open("postgresql://rt:s3cret-pw@db.invalid:5432/rt")
    assert "s3cret-pw" not in repr(store)
    assert "s3cret-pw" not in store.diagnostics()["url"]
