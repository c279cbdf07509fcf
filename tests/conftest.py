"""Fixtures shared by every test package: the PostgreSQL server CI provides."""

from __future__ import annotations

import os

import psycopg
import pytest

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
