"""Migrations, run programmatically: Alembic ``upgrade head`` on a connection of ours.

The scripts live in `server/migrations/` (shipped as package data). `server/migrations/alembic.ini`
lets developers use the ``alembic`` command too, e.g. to write the next revision.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from server.storage.models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration in code; ``env.py`` uses ``connection`` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already."""
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.commit()


def head() -> str | None:
    """The newest revision the migrations define."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list[str]:
    """Differences between the models and the migrated database; empty when they agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [repr(difference) for difference in compare_metadata(context, Base.metadata)]
