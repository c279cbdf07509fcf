"""Migrations: an empty database gets every table; migrating again changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from server.storage import Storage
from tests.storage.conftest import Backend

TABLES = {
    "alembic_version",
    "drafts",
    "delegations",
    "credentials",
    "events",
    "updates",
    "snapshots",
    "quarantine",
    "installation",
    "versions",
}


def table_names(backend: Backend) -> set[str]:
    if backend.name == "sqlite":
        rows = backend.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = backend.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    return {name for (name,) in rows} - {"sqlite_sequence"}


def test_migration_creates_every_table_on_an_empty_database(backend: Backend) -> None:
    with Storage.open(backend.url) as store:
        assert store.schema_revision() is None
        store.migrate()
        assert table_names(backend) == TABLES
        assert store.schema_revision() == "0003"


def test_migrating_again_is_a_no_op_that_keeps_the_data(
    open_storage: Callable[[], Storage], backend: Backend
) -> None:
    store = open_storage()  # already migrated by the fixture
    store.create_draft("Rolling text", "CRP.1", draft_id="d")
    store.migrate()
    store.create_schema()
    assert store.schema_revision() == "0003"
    assert [d.id for d in store.list_drafts()] == ["d"]
    assert backend.rows("SELECT count(*) FROM alembic_version") == [(1,)]


def test_models_and_migrations_agree(store: Storage) -> None:
    assert store.schema_drift() == []
