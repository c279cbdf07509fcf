"""The scripted negotiation of the export tests, copied afresh for each test that imports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.storage import Storage
from tests.server.exports.negotiation import Negotiated, negotiate


@pytest.fixture(scope="session")
def negotiated(tmp_path_factory: pytest.TempPathFactory) -> Negotiated:
    with pytest.MonkeyPatch.context() as patch:
        return negotiate(tmp_path_factory.mktemp("imports") / "negotiated.sqlite3", patch)


@pytest.fixture
def storage(negotiated: Negotiated, tmp_path: Path) -> Iterator[Storage]:
    """A copy of the negotiated database: imports write into it."""
    path = tmp_path / "copy.sqlite3"
    shutil.copy(negotiated.url.removeprefix("sqlite:///"), path)
    with Storage.open(f"sqlite:///{path}") as store:
        yield store
