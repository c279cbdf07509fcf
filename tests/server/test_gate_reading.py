"""The gate's view of a paragraph after an edit is what Yjs holds.

The gate does not read a paragraph back from the Y.Text after each keystroke: it takes the text
the core computed while judging the edit (`check_edit`'s ``after``: the text before, with the
edit's Yjs event delta applied). That rests on the core applying every Yjs text delta exactly as
Yjs does — inserts with their attributes, deletes, formatting set and removed, counted in UTF-8
bytes by pycrdt and converted to code points. Here pycrdt makes random edits by remote updates
(as clients send them) to a Y.Text, and each time the computed text equals the Y.Text read back.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from drafting.positions import delta_from_utf8
from drafting.runs import apply_delta, delta_from_yjs, plain
from server.livedoc import runs_of_text

CHARACTERS = st.sampled_from(["a", "b", " ", "é", "ß", "中", "🌍", "👍🏽"])
ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "ins": st.sampled_from(["BRA-1", "USA-1"]),
        "del:USA-2": st.just(True),
        "bold": st.just(True),
    },
)
FORMAT = st.fixed_dictionaries(
    {},
    optional={
        "ins": st.sampled_from(["BRA-1", None]),
        "del:USA-2": st.sampled_from([True, None]),
        "bold": st.sampled_from([True, None]),
    },
)


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Steps as (kind, data): positions are fractions of the text's length at that moment."""
    steps: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["insert", "insert", "delete", "format"]))
        at, span = draw(st.floats(0, 1)), draw(st.floats(0, 0.6))
        if kind == "insert":
            word = "".join(draw(st.lists(CHARACTERS, min_size=1, max_size=4)))
            steps.append((kind, (at, word, draw(ATTRIBUTES))))
        else:
            steps.append((kind, (at, span, draw(FORMAT))))
    return steps


def utf8_offset(text: str, characters: int) -> int:
    return len(text[:characters].encode())


@settings(max_examples=300, deadline=None)
@given(edits())
def test_the_text_after_each_edit_is_the_text_before_with_its_event_delta(
    steps: list[tuple[str, Any]],
) -> None:
    server: Doc[Any] = Doc()
    client: Doc[Any] = Doc()
    server_text = server.get("t", type=Text)
    client_text = client.get("t", type=Text)
    client_text.insert(0, "Base text 🌍 of a paragraph", {})
    server.apply_update(client.get_update())
    deltas: list[Any] = []
    server_text.observe(lambda event: deltas.append(event.delta))
    for kind, data in steps:
        current = str(client_text)
        at = round(data[0] * len(current))
        if kind == "insert":
            client_text.insert(utf8_offset(current, at), data[1], dict(data[2]))
        else:
            end = min(len(current), at + round(data[1] * len(current)))
            if end <= at:
                continue
            start_b, end_b = utf8_offset(current, at), utf8_offset(current, end)
            if kind == "delete":
                del client_text[start_b:end_b]
            else:
                client_text.format(start_b, end_b, dict(data[2]))
        before = runs_of_text(server_text)
        deltas.clear()
        server.apply_update(client.get_update(server.get_state()))
        if not deltas:
            continue  # a format that changed nothing
        (delta,) = deltas
        computed = apply_delta(before, delta_from_utf8(plain(before), delta_from_yjs(delta)))
        assert computed == runs_of_text(server_text)
