"""Fixtures shared by every test package: the PostgreSQL server CI provides."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no ``+driver``)."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        with psycopg.connect(libpq_url(POSTGRES_URL), connect_timeout=3) as connection:
            connection.execute("select 1")
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL} (set TEST_POSTGRES_URL): {error}")
    return POSTGRES_URL


@contextmanager
def postgres_schema(server_url: str, prefix: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL server: its URL (``search_path`` set to it), dropped
    afterwards with everything in it."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            separator = "&" if "?" in server_url else "?"
            yield f"{server_url}{separator}options={quote(f'-csearch_path={schema}')}"
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
