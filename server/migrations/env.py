"""Alembic environment for Rolling Text.

Programmatic use (`server.storage.schema.upgrade`) passes a live connection in
``config.attributes["connection"]``; the ``alembic`` command line (with ``alembic.ini`` here)
connects to ``DATABASE_URL``, or to the default SQLite file.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text

from server.storage.engine import DEFAULT_URL, normalize_url, open_engine, writer
from server.storage.models import Base

config = context.config
if config.config_file_name is not None:  # the alembic command line, not the server
    fileConfig(config.config_file_name)
target_metadata = Base.metadata
# Any constant will do: it only has to be the same in every process that migrates.
MIGRATION_LOCK = 7_340_001


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url") or DEFAULT_URL


def run_offline() -> None:
    context.configure(
        url=normalize_url(database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two server processes starting together migrate one after the other.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = writer(open_engine(database_url()))
    try:
        with engine.connect() as connection:
            run(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
