"""The benchmark's Doc-less readers count keystrokes from the clock ranges in each update's
bytes (tests/bench/update_clocks.py): those ranges must be exactly what a Doc gains from it."""

from __future__ import annotations

from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, merge_updates

from tests.bench.load import Ledger, state_vector
from tests.bench.update_clocks import update_clocks

EDITS = st.lists(
    st.tuples(
        st.integers(0, 2),  # which client
        st.sampled_from(["insert", "insert_start", "delete_last", "set_key"]),
        st.sampled_from(["x", "é", "字", "🌍ab", "a\u0301"]),
        st.sampled_from([None, {"ins": "fr-1"}, {"del": "de-2"}]),
    ),
    min_size=1,
    max_size=25,
)
VALUES = [1, -70000, 2.5, "s", None, True, [1, "a"], {"k": [None, False]}, b"\x00\xff"]


def _docs() -> list[Doc[Any]]:
    first: Doc[Any] = Doc()
    first.get("paragraphs", type=Array).append(
        Map({"text": Text("Draft 🌍 text"), "id": "p1", "n": 3.5, "tags": ["a", None]})
    )
    others: list[Doc[Any]] = [Doc() for _ in range(2)]
    for doc in others:
        doc.apply_update(first.get_update())
    return [first, *others]


def _edit(doc: Doc[Any], action: str, chars: str, attrs: dict[str, str] | None, step: int) -> None:
    paragraph = doc.get("paragraphs", type=Array)[0]
    text = paragraph["text"]
    if action == "insert":
        text.insert(len(text), chars, attrs)
    elif action == "insert_start":
        text.insert(0, chars, attrs)
    elif action == "delete_last" and len(text):
        size = len(str(text)[-1].encode())  # pycrdt's positions count UTF-8 bytes
        del text[len(text) - size : len(text)]
    else:
        paragraph[f"k{step}"] = VALUES[step % len(VALUES)]


def _gained(before: bytes, after: bytes) -> list[tuple[int, int, int]]:
    old, new = state_vector(before), state_vector(after)
    return sorted((c, old.get(c, 0), end) for c, end in new.items() if end != old.get(c, 0))


@settings(max_examples=60, deadline=None)
@given(EDITS)
def test_each_update_carries_exactly_the_clocks_its_doc_gained(
    edits: list[tuple[int, str, str, dict[str, str] | None]],
) -> None:
    docs = _docs()
    for step, (who, action, chars, attrs) in enumerate(edits):
        doc = docs[who]
        before = doc.get_state()
        _edit(doc, action, chars, attrs, step)
        update = doc.get_update(before)
        assert sorted(update_clocks(update)) == _gained(before, doc.get_state())
        for other in docs:
            if other is not doc:
                other.apply_update(update)
    whole = docs[0].get_update()
    assert sorted(update_clocks(whole)) == _gained(b"\x00", docs[0].get_state())


def test_a_merged_run_of_keystrokes_is_one_range_and_a_hole_splits_it() -> None:
    doc: Doc[Any] = Doc()
    text = doc.get("t", type=Text)
    updates = []
    for char in "abcdef":
        before = doc.get_state()
        text.insert(len(text), char, {"ins": "fr-1"})
        updates.append(doc.get_update(before))
    whole = doc.get_state()
    end = state_vector(whole)[doc.client_id]
    assert update_clocks(merge_updates(*updates)) == [(doc.client_id, 0, end)]
    holed = update_clocks(merge_updates(updates[0], updates[1], updates[4], updates[5]))
    assert [r[0] for r in holed] == [doc.client_id, doc.client_id]
    assert holed[0][1] == 0 and holed[0][2] < holed[1][1] and holed[1][2] == end


class _Reader:
    writer_index = None

    def __init__(self) -> None:
        self.draft = 0
        self.pointers: dict[int, int] = {}
        self.pending: dict[int, list[tuple[int, int]]] = {}
        self.delivered = 0


def test_a_reader_holds_keystrokes_past_a_gap_until_the_gap_is_filled() -> None:
    ledger = Ledger()
    doc: Doc[Any] = Doc()
    text = doc.get("t", type=Text)
    writer = ledger.writer(doc.client_id, 0)
    updates = []
    for n, char in enumerate("abcd"):
        before = doc.get_state()
        text.insert(len(text), char)
        updates.append(doc.get_update(before))
        ledger.sent(writer, updates[-1], state_vector(doc.get_state())[doc.client_id], float(n))
    reader = cast(Any, _Reader())  # what the ledger touches of a FrameReader (no picows here)
    ledger.received(reader, merge_updates(updates[2], updates[3]), 10.0)  # c, d: a, b missing
    assert reader.delivered == 0 and ledger.missing([reader]) == 4
    ledger.received(reader, updates[0], 11.0)  # a (its exact bytes)
    assert reader.delivered == 1
    ledger.received(reader, merge_updates(updates[0], updates[1]), 12.0)  # b fills the gap
    assert reader.delivered == 4 and ledger.missing([reader]) == 0
    assert list(ledger.latencies) == [11.0, 11.0, 10.0, 9.0]  # a at 11; b, c, d at 12
