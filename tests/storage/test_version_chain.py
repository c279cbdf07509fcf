"""Versions "as at" each event: full states now and then, changes between (`version_chain`).

Exports and redlines read the document as it stood after any event. A long negotiation has
thousands of events: keeping a whole copy of the document with each would grow with the square
of the draft's life."""

from __future__ import annotations

import random
from collections.abc import Callable

from pycrdt import Doc, Text

from server.storage import NewEvent, Storage
from server.storage.version_chain import FULL_EVERY
from tests.storage.conftest import Backend

EVENTS = 3 * FULL_EVERY + 5
PARAGRAPH = "The Working Group recommends enhanced cooperation on public policy issues. " * 40


def text_of(state: bytes) -> str:
    doc: Doc[Text] = Doc()
    doc["text"] = text = Text()
    doc.apply_update(state)
    return str(text)


def negotiate(store: Storage, draft: str, first_seq: int, events: int, seed: int) -> list[str]:
    """``events`` recorded events, each with a small edit of a long text and the document's
    full state kept as its version (as the committer does); the text after each."""
    doc: Doc[Text] = Doc()
    doc["text"] = text = Text()
    loaded = store.load(draft)
    for update in [loaded.snapshot.state] if loaded.snapshot else []:
        doc.apply_update(update)
    for stored in loaded.updates:
        doc.apply_update(stored.data)
    if not str(text):
        text += PARAGRAPH
    rng = random.Random(seed)
    texts = []
    for seq in range(first_seq, first_seq + events):
        before = doc.get_state()
        at = rng.randrange(len(str(text)))  # ASCII only: characters are bytes (pycrdt)
        if rng.random() < 0.3:
            del text[at : at + rng.randint(1, 12)]
        else:
            text.insert(at, rng.choice(["[promptly] ", "jointly ", "all "]))
        event = NewEvent("paragraph_agreed", "CHAIR", {"paragraph": f"p{seq}"})
        store.commit(
            draft,
            seq - 1,
            events=[event],
            updates=[("server", doc.get_update(before))],
            versions=[(seq, doc.get_update())],
        )
        texts.append(str(text))
    return texts


def test_every_version_reads_back_exactly_and_keeps_a_fraction_of_whole_copies(
    store: Storage, draft: str, backend: Backend
) -> None:
    texts = negotiate(store, draft, 1, EVENTS, seed=1)
    for seq, expected in enumerate(texts, start=1):
        version = store.version_at(draft, seq)
        assert version is not None and version.seq == seq
        assert text_of(version.state) == expected, f"version {seq} differs"

    rows = backend.rows("SELECT seq, base_seq, length(state) FROM versions ORDER BY seq")
    whole = [seq for seq, base, _size in rows if base is None]
    assert whole == [1 + k * FULL_EVERY for k in range(len(whole))] and len(whole) == 4
    kept = sum(size for _seq, _base, size in rows)
    full_size = len(store.version_at(draft, EVENTS).state)  # type: ignore[union-attr]
    # Whole copies each time would keep EVENTS * full_size bytes.
    assert kept < EVENTS * full_size / 8, (kept, EVENTS * full_size)


def test_a_restarted_process_starts_its_chain_with_a_whole_version(
    open_storage: Callable[[], Storage], draft: str, backend: Backend
) -> None:
    first = open_storage()
    before = negotiate(first, draft, 1, 5, seed=2)
    later = open_storage()  # another process (or the same after a restart): no chain in memory
    after = negotiate(later, draft, 6, 5, seed=3)
    for seq, expected in enumerate(before + after, start=1):
        version = later.version_at(draft, seq)
        assert version is not None and text_of(version.state) == expected
    rows = backend.rows("SELECT seq, base_seq FROM versions ORDER BY seq")
    assert rows == [
        (1, None),
        *((s, 1) for s in range(2, 6)),
        (6, None),
        *((s, 6) for s in range(7, 11)),
    ]


def test_migrating_down_makes_every_version_whole_again(
    store: Storage, draft: str, backend: Backend
) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from server.storage.schema import alembic_config

    texts = negotiate(store, draft, 1, 6, seed=4)
    store.close()
    engine = create_engine(backend.url)
    try:
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0002")
            connection.commit()
    finally:
        engine.dispose()
    rows = backend.rows("SELECT seq, state FROM versions ORDER BY seq")
    assert [text_of(bytes(state)) for _seq, state in rows] == texts
