"""The live document: update log, atomic commits with events, snapshots and compaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import pytest
from pycrdt import Doc, Text
from sqlalchemy.exc import DBAPIError, IntegrityError

from server.storage import Committed, NewEvent, StaleSequence, Storage, UnknownDraft, WriterBusy
from tests.storage.conftest import Backend, Clock

EVENT = NewEvent("amendment_accepted", "CHAIR", {"amendment": "a1"})


def typing_session() -> list[bytes]:
    """Real Yjs updates: a delegate types, deletes and types again, in several languages."""
    doc, text = text_doc()
    updates = []
    for edit in ("Recommande ", "une coopération ", "renforcée 加强合作 ", "🤝", "DEL", "تعاون"):
        before = doc.get_state()
        if edit == "DEL":
            del text[0:11]  # "Recommande " (ASCII, so bytes == characters)
        else:
            text += edit
        updates.append(doc.get_update(before))
    return updates


def text_doc() -> tuple[Doc[Text], Text]:
    doc: Doc[Text] = Doc()
    doc["text"] = text = Text()
    return doc, text


def merged(updates: Sequence[bytes]) -> tuple[bytes, str]:
    """The Y.Doc state with ``updates`` applied (as a room folds them), and its text."""
    doc, text = text_doc()
    for update in updates:
        doc.apply_update(update)
    return doc.get_update(), str(text)


def render(state: bytes | None, updates: Sequence[bytes]) -> str:
    return merged(([state] if state else []) + list(updates))[1]


def loaded_text(store: Storage, draft: str) -> str:
    loaded = store.load(draft)
    state = loaded.snapshot.state if loaded.snapshot else None
    return render(state, [u.data for u in loaded.updates])


def test_updates_round_trip_in_order(store: Storage, draft: str, clock: Clock) -> None:
    last = store.append_updates(draft, [("conn:1", b"\x00\x01"), ("conn:2", b"\xff" * 1000)])
    more = store.append_updates(draft, [("server", b"")])
    stored = store.updates(draft)
    assert [(u.origin, u.data) for u in stored] == [
        ("conn:1", b"\x00\x01"),
        ("conn:2", b"\xff" * 1000),
        ("server", b""),
    ]
    assert [u.id for u in stored][-2:] == [last, more]
    assert stored[0].id < stored[1].id < stored[2].id
    assert stored[0].at == clock.now
    assert store.updates(draft, after_id=last) == stored[2:]


def test_updates_need_a_known_draft_and_bytes(store: Storage, draft: str) -> None:
    with pytest.raises(UnknownDraft):
        store.append_updates("nope", [("conn:1", b"x")])
    with pytest.raises(TypeError):
        store.append_updates(draft, [("conn:1", "text")])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        store.append_updates(draft, [])
    assert store.updates(draft) == []


def test_a_commit_writes_events_and_updates_together(store: Storage, draft: str) -> None:
    committed = store.commit(draft, 0, events=[EVENT], updates=[("server", b"accept a1")])
    assert store.events(draft) == committed.events
    assert [(u.id, u.data) for u in store.updates(draft)] == [
        (committed.update_ids[0], b"accept a1")
    ]


def test_a_failing_commit_writes_neither_events_nor_updates(store: Storage, draft: str) -> None:
    # Its last statement fails (two versions for one seq), after the events and the updates
    # reached the database inside the transaction: all of it is rolled back.
    with pytest.raises(IntegrityError):
        store.commit(
            draft,
            0,
            events=[EVENT],
            updates=[("server", b"accept a1")],
            versions=[(1, b"state"), (1, b"state")],
        )
    assert store.events(draft) == []
    assert store.updates(draft) == []
    assert store.version_at(draft, 1) is None


def test_a_stale_commit_writes_no_update(store: Storage, draft: str) -> None:
    store.append_events(draft, 0, [EVENT])
    with pytest.raises(StaleSequence):
        store.commit(draft, 0, events=[EVENT], updates=[("server", b"accept a1")])
    assert store.updates(draft) == []
    assert store.last_seq(draft) == 1


def test_a_snapshot_round_trips_and_the_latest_wins(store: Storage, draft: str) -> None:
    assert store.latest_snapshot(draft) is None
    first = store.save_snapshot(draft, 10, b"state-10", event_seq=3)
    latest = store.save_snapshot(draft, 20, b"state-20", event_seq=5)
    assert store.latest_snapshot(draft) == latest
    assert (latest.up_to_update_id, latest.state, latest.event_seq) == (20, b"state-20", 5)
    assert first != latest
    with pytest.raises(UnknownDraft):
        store.save_snapshot("nope", 1, b"", event_seq=0)


def test_compaction_keeps_the_loaded_text_and_deletes_folded_updates(
    store: Storage, draft: str, backend: Backend
) -> None:
    updates = typing_session()
    ids = [store.append_updates(draft, [("conn:BRA", update)]) for update in updates]
    expected = render(None, updates)
    assert expected == "une coopération renforcée 加强合作 🤝تعاون"
    assert loaded_text(store, draft) == expected

    state, folded = merged(updates[:4])  # the room folds the first four into one state
    snapshot = store.compact(draft, ids[3], state, event_seq=0)

    assert folded != expected
    assert [u.id for u in store.updates(draft)] == ids[4:]
    assert backend.rows("SELECT count(*) FROM updates") == [(2,)]
    loaded = store.load(draft)
    assert loaded.snapshot == snapshot
    assert loaded.last_update_id == ids[-1]
    assert loaded_text(store, draft) == expected


def test_update_ids_keep_growing_after_everything_is_compacted(store: Storage, draft: str) -> None:
    updates = typing_session()
    last = store.append_updates(draft, [("conn:BRA", u) for u in updates[:3]])
    store.compact(draft, last, merged(updates[:3])[0], event_seq=0)
    assert store.updates(draft) == []

    newer = store.append_updates(draft, [("conn:BRA", u) for u in updates[3:]])
    assert newer > last  # an id is never reused: the tail after the snapshot finds it
    assert loaded_text(store, draft) == render(None, updates)
    assert store.load(draft).last_update_id == newer


def test_loading_a_new_draft_gives_nothing(store: Storage, draft: str) -> None:
    loaded = store.load(draft)
    assert (loaded.snapshot, loaded.updates, loaded.last_update_id) == (None, [], 0)


def test_an_update_only_commit_says_what_came_before_and_moves_the_draft_on(
    store: Storage, draft: str, backend: Backend
) -> None:
    first = store.commit(draft, None, updates=[("conn:1", b"a"), ("conn:2", b"b")])
    assert (first.events, first.previous_update_id) == ([], 0)
    assert first.update_ids == sorted(first.update_ids) and len(first.update_ids) == 2
    second = store.commit(draft, 0, updates=[("conn:1", b"c")])
    assert second.previous_update_id == first.update_ids[-1]
    assert backend.rows("SELECT last_update_id FROM drafts") == [(second.update_ids[-1],)]
    assert [(u.id, u.origin, u.data) for u in store.updates(draft)] == [
        (first.update_ids[0], "conn:1", b"a"),
        (first.update_ids[1], "conn:2", b"b"),
        (second.update_ids[0], "conn:1", b"c"),
    ]
    assert store.load(draft).last_update_id == second.update_ids[-1]


def test_a_large_update_only_commit_keeps_its_order(store: Storage, draft: str) -> None:
    updates = [(f"conn:{n}", n.to_bytes(2, "big")) for n in range(450)]  # several INSERTs
    committed = store.commit(draft, None, updates=updates)
    stored = store.updates(draft)
    assert [u.id for u in stored] == committed.update_ids
    assert [(u.origin, u.data) for u in stored] == updates


def test_an_update_only_commit_judged_against_a_stale_record_writes_nothing(
    store: Storage, draft: str, backend: Backend
) -> None:
    store.append_events(draft, 0, [EVENT])
    with pytest.raises(StaleSequence):
        store.commit(draft, 0, updates=[("conn:1", b"judged at seq 0")])
    assert store.updates(draft) == []
    assert backend.rows("SELECT last_update_id FROM drafts") == [(0,)]
    assert store.commit(draft, 1, updates=[("conn:1", b"judged at 1")]).update_ids


def test_an_update_only_commit_failing_after_its_inserts_writes_nothing(
    store: Storage, draft: str, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store._writer, "_set_last", "UPDATE no_such_table SET x = 1")
    with pytest.raises(DBAPIError):  # raised as SQLAlchemy's, like the ORM path's errors
        store.commit(draft, None, updates=[("conn:1", b"inserted, then rolled back")])
    assert store.updates(draft) == []
    assert backend.rows("SELECT last_update_id FROM drafts") == [(0,)]
    monkeypatch.undo()
    committed = store.commit(draft, None, updates=[("conn:1", b"the next one")])  # still usable
    assert [u.data for u in store.updates(draft)] == [b"the next one"]
    assert committed.previous_update_id == 0


def test_update_ids_of_racing_writers_chain_in_commit_order(
    open_storage: Callable[[], Storage], draft: str
) -> None:
    """Two processes' worth of writers commit updates at once: each commit's previous id is the
    last id of the commit just before it (the draft's row lock orders them)."""
    writers = [open_storage(), open_storage()]

    def write(n: int) -> list[Committed]:
        return [
            writers[n].commit(draft, None, updates=[(f"w{n}", b"x"), (f"w{n}", b"y")])
            for _ in range(25)
        ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        commits = [c for done in pool.map(write, range(2)) for c in done]
    commits.sort(key=lambda c: c.update_ids[0])
    for before, after in pairwise(commits):
        assert after.previous_update_id == before.update_ids[-1]
    assert commits[0].previous_update_id == 0
    assert [u.id for u in writers[0].updates(draft)] == [i for c in commits for i in c.update_ids]


def test_sqlite_syncs_the_record_fully_and_typing_rounds_normally(
    store: Storage, draft: str, backend: Backend
) -> None:
    """A commit with events fsyncs (FULL); a typing round does not (NORMAL, see `fastpath`),
    nor one whose events only restate its typing."""
    if backend.name != "sqlite":
        pytest.skip("PostgreSQL syncs every commit")
    kept = store._writer._checkout()
    statements: list[str] = []
    kept.dbapi_connection.set_trace_callback(statements.append)  # type: ignore[union-attr]
    store._writer._checkin(kept)

    def modes() -> list[str]:
        found = [s for s in statements if s.startswith(("PRAGMA synchronous", "COMMIT"))]
        statements.clear()
        return found

    store.commit(draft, 0, events=[EVENT], updates=[("server", b"with the record")])
    assert modes() == ["PRAGMA synchronous = FULL", "COMMIT", "PRAGMA synchronous = NORMAL"]
    store.commit(draft, 1, updates=[("conn:1", b"typing")])
    assert modes() == ["COMMIT"]
    # An amendment registered from what was typed: as durable as the typing it restates.
    store.commit(draft, 1, events=[EVENT], updates=[("conn:1", b"typed")], record_durable=False)
    assert modes() == ["COMMIT"]
    assert [e.seq for e in store.events(draft)] == [1, 2]


def test_a_commit_that_may_not_wait_gives_up_at_once_when_another_writer_holds_sqlite(
    store: Storage, draft: str, backend: Backend
) -> None:
    """`wait=False` (the event loop's own commits): with the write lock taken elsewhere it
    raises WriterBusy having written nothing, instead of stalling for the busy timeout."""
    if backend.sqlite_path is None:
        assert not store.commits_without_waiting  # a network round trip: always on a thread
        return
    assert store.commits_without_waiting
    other = sqlite3.connect(backend.sqlite_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another connection (or process) is writing
        with pytest.raises(WriterBusy):
            store.commit(draft, None, updates=[("conn:1", b"typed")], wait=False)
        with pytest.raises(WriterBusy):  # and again: the connection came back usable
            store.commit(draft, None, updates=[("conn:1", b"typed")], wait=False)
        other.execute("COMMIT")
    finally:
        other.close()
    assert store.updates(draft) == []
    committed = store.commit(draft, None, updates=[("conn:1", b"typed")], wait=False)
    assert [u.data for u in store.updates(draft)] == [b"typed"]
    assert committed.previous_update_id == 0
