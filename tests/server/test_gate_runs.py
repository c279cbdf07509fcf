"""The gate takes a paragraph's text after an edit from the core's reading of the edit's delta
(`check_edit`'s ``after``), not by reading the Y.Text again: the two must always agree.

Any client update — inserts in any script with any marks, deletions, formatting that sets or
clears a mark, several in one transaction — applied to the server's document: the runs the
core derives from the Yjs event's delta are exactly the runs the Y.Text then holds."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from drafting.positions import delta_from_utf8
from drafting.runs import Run, apply_delta, delta_from_yjs, normalize, plain
from server.livedoc import runs_of_text, write_runs

PIECES = st.sampled_from(["a", "bé", "中文", "🤝", " x ", "word ", "تعاون"])
MARKS = st.sampled_from(
    [{}, {"ins": "BRA-1"}, {"ins": "USA-2"}, {"del": "CHN-3"}, {"ins": "BRA-1", "c": "x"}]
)
RUNS = st.lists(st.builds(Run, PIECES, MARKS), max_size=6).map(normalize)
# An edit: (kind, start fraction, end fraction, text, marks)
EDITS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "mark", "unmark"]),
        st.floats(0, 1),
        st.floats(0, 1),
        PIECES,
        MARKS,
    ),
    min_size=1,
    max_size=4,
)


def boundary(text: Text, fraction: float) -> int:
    """A UTF-8 offset (pycrdt's unit) at a character boundary."""
    characters = str(text)
    return len(characters[: round(fraction * len(characters))].encode())


def edit(text: Text, edits: list[tuple[str, float, float, str, dict[str, Any]]]) -> None:
    for kind, a, b, piece, marks in edits:
        start, end = sorted((boundary(text, a), boundary(text, b)))
        if kind == "insert" or start == end:
            text.insert(start, piece, dict(marks))
        elif kind == "delete":
            del text[start:end]
        elif kind == "mark":
            text.format(start, end, dict(marks) or {"ins": "BRA-1"})
        else:
            text.format(start, end, {"ins": None})


@settings(max_examples=400, deadline=None)
@given(RUNS, EDITS)
def test_the_cores_reading_of_an_edit_is_the_text_it_leaves(
    runs: tuple[Run, ...], edits: list[tuple[str, float, float, str, dict[str, Any]]]
) -> None:
    server: Doc[Any] = Doc()
    server["p"] = paragraph = Text()
    with server.transaction():
        write_runs(paragraph, runs)
    client: Doc[Any] = Doc()
    client["p"] = theirs = Text()
    client.apply_update(server.get_update())
    before_state = client.get_state()
    with client.transaction():
        edit(theirs, edits)

    before = runs_of_text(paragraph)
    seen: list[Any] = []  # TextEvents (their delta is untyped in pycrdt)
    subscription = paragraph.observe(seen.append)
    server.apply_update(client.get_update(before_state))
    paragraph.unobserve(subscription)
    if not seen:  # the edits cancelled out
        assert runs_of_text(paragraph) == before
        return
    (event,) = seen
    delta = delta_from_utf8(plain(before), delta_from_yjs(event.delta))
    assert apply_delta(before, delta) == runs_of_text(paragraph)
