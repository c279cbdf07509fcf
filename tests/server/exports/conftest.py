from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.storage import Storage
from server.versions import DraftVersion, version_at
from tests.server.exports.negotiation import DRAFT, Negotiated, negotiate


@pytest.fixture(scope="session")
def negotiated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Negotiated]:
    with pytest.MonkeyPatch.context() as patch:
        yield negotiate(tmp_path_factory.mktemp("exports") / "negotiated.sqlite3", patch)


@pytest.fixture(scope="session")
def storage(negotiated: Negotiated) -> Iterator[Storage]:
    store = negotiated.open()
    yield store
    store.close()


@pytest.fixture(scope="session")
def midway(negotiated: Negotiated, storage: Storage) -> DraftVersion:
    """12:00: A1 (BRA, supported by CHN), A2 (USA, objected to by EU), A3 (IND) pending."""
    return version_at(storage, DRAFT, negotiated.midway)


@pytest.fixture(scope="session")
def adopted(storage: Storage) -> DraftVersion:
    return version_at(storage, DRAFT)
