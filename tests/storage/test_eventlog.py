"""The record: gap-free sequence per draft, optimistic appends, and racing writers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from server.storage import NewEvent, StaleSequence, Storage, UnknownDraft
from server.storage.errors import StorageError
from tests.storage.conftest import Clock


def objection(actor: str, n: int = 0) -> NewEvent:
    return NewEvent("objection_raised", actor, {"target": "paragraph:p1", "n": n})


def test_events_round_trip_with_their_payload(store: Storage, draft: str, clock: Clock) -> None:
    stamped = datetime(2014, 11, 20, 16, 5, tzinfo=UTC)
    payload = {
        "paragraph": "p1",
        "text": "Recommande une coopération renforcée — 加强合作 — تعزيز التعاون 🤝",
        "supporters": ["BRA", "ZAF"],
        "nested": {"deadline": None, "hours": 72, "ratio": 0.5, "ok": True},
    }
    stored = store.append_events(
        draft, 0, [NewEvent("paragraph_added", "CHAIR", payload), objection("USA")]
    )
    stored += store.append_events(draft, 2, [NewEvent("silence_broken", "BRA", {}, at=stamped)])
    assert store.events(draft) == stored
    assert [(e.seq, e.actor, e.type) for e in stored] == [
        (1, "CHAIR", "paragraph_added"),
        (2, "USA", "objection_raised"),
        (3, "BRA", "silence_broken"),
    ]
    assert stored[0].payload == payload
    assert stored[0].at == clock.now and stored[2].at == stamped
    assert store.last_seq(draft) == 3


def test_events_after_a_seq_are_the_tail(store: Storage, draft: str) -> None:
    store.append_events(draft, 0, [objection("BRA", n) for n in range(5)])
    assert [e.seq for e in store.events(draft, after=3)] == [4, 5]
    assert store.events(draft, after=5) == []


def test_an_empty_record_is_at_seq_zero(store: Storage, draft: str) -> None:
    assert store.last_seq(draft) == 0
    assert store.events(draft) == []


def test_records_of_drafts_are_independent(store: Storage, draft: str) -> None:
    other = store.create_draft("Other", "B/1").id
    store.append_events(draft, 0, [objection("BRA")])
    assert store.append_events(other, 0, [objection("ZAF")])[0].seq == 1


@pytest.mark.parametrize("expected", [0, 1, 3])
def test_a_stale_append_is_refused_and_writes_nothing(
    store: Storage, draft: str, expected: int
) -> None:
    before = store.append_events(draft, 0, [objection("BRA", 1), objection("BRA", 2)])
    with pytest.raises(StaleSequence) as refused:
        store.append_events(draft, expected, [objection("USA"), objection("USA")])
    assert (refused.value.draft_id, refused.value.expected_seq) == (draft, expected)
    assert refused.value.actual_seq == 2
    assert refused.value.code == "stale_sequence"
    assert store.events(draft) == before


def test_a_writer_that_slips_in_after_the_check_is_caught_by_the_key(
    store: Storage, draft: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.append_events(draft, 0, [objection("BRA")])
    writer = store._writer  # its seq check, as if it had read before BRA's append landed
    monkeypatch.setattr(writer, "_last_seq", writer._last_seq.replace("max(seq)", "0"))
    with pytest.raises(StaleSequence) as refused:
        store.append_events(draft, 0, [objection("USA"), objection("USA")])
    assert refused.value.actual_seq == 1
    assert [e.actor for e in store.events(draft)] == ["BRA"]


def test_appending_to_an_unknown_draft_is_refused(store: Storage) -> None:
    with pytest.raises(UnknownDraft):
        store.append_events("nope", 0, [objection("BRA")])


def test_a_naive_timestamp_is_refused(store: Storage, draft: str) -> None:
    with pytest.raises(ValueError):
        store.append_events(draft, 0, [NewEvent("x", "BRA", {}, at=datetime(2014, 11, 20))])
    assert store.events(draft) == []


def test_two_concurrent_writers_exactly_one_wins_each_round(
    open_storage: Callable[[], Storage], draft: str
) -> None:
    """Two processes' worth of writers (own engine each) race on the same seq, 10 times."""
    writers = {"BRA": open_storage(), "USA": open_storage()}
    barrier = threading.Barrier(len(writers), timeout=30)

    def race(actor: str, round_: int) -> StorageError | None:
        store = writers[actor]
        seen = store.last_seq(draft)
        barrier.wait()  # both have read the same seq; now both append
        try:
            store.append_events(draft, seen, [objection(actor, round_), objection(actor, round_)])
        except StaleSequence as lost:
            return lost
        return None

    rounds = 10
    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        for round_ in range(rounds):
            outcomes = list(pool.map(race, writers, [round_] * len(writers)))
            losers = [o for o in outcomes if o is not None]
            assert len(losers) == 1, outcomes
            assert isinstance(losers[0], StaleSequence)
            assert losers[0].expected_seq == 2 * round_

    log = open_storage().events(draft)
    assert [e.seq for e in log] == list(range(1, 2 * rounds + 1))  # no gap, no duplicate
    pairs = [(log[i], log[i + 1]) for i in range(0, len(log), 2)]
    assert all(a.actor == b.actor and a.payload == b.payload for a, b in pairs)  # never mixed
