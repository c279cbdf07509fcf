from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pycrdt import Doc, Text

from drafting.positions import (
    PositionError,
    Unit,
    convert_offset,
    delta_from_utf8,
    delta_from_utf16,
    delta_to_utf8,
    delta_to_utf16,
    from_offset,
    measure,
    to_offset,
)
from drafting.runs import (
    Delete,
    Delta,
    DeltaError,
    Insert,
    Retain,
    Run,
    Runs,
    apply_delta,
    delta_from_yjs,
    plain,
    runs_of,
)

SAMPLES = {
    "french": "Élaborer un cadre de coopération renforcée",
    "arabic": "تعزيز التعاون الدولي",
    "chinese": "加强合作",
    "russian": "Усиленное сотрудничество",
    "emoji": "a😀b👩‍👩‍👧c",
    "mixed": "aé中😀b",
}


def _pycrdt_text(content: str) -> Text:
    doc: Doc[Text] = Doc()
    doc["t"] = text = Text(content)
    return text


def test_lengths_of_a_mixed_string_in_each_unit() -> None:
    assert measure("aé中😀b", Unit.CODE_POINT) == 5
    assert measure("aé中😀b", Unit.UTF8) == 11
    assert measure("aé中😀b", Unit.UTF16) == 6


def test_pycrdt_text_length_counts_utf8_bytes() -> None:
    text = _pycrdt_text("aé中😀b")
    assert len(text) == measure("aé中😀b", Unit.UTF8) == 11


@pytest.mark.parametrize(("index", "utf8", "utf16"), [(0, 0, 0), (2, 3, 2), (3, 6, 3), (4, 10, 5)])
def test_offsets_of_each_character_boundary(index: int, utf8: int, utf16: int) -> None:
    text = "aé中😀b"
    assert to_offset(text, index, Unit.UTF8) == utf8
    assert to_offset(text, index, Unit.UTF16) == utf16
    assert from_offset(text, utf8, Unit.UTF8) == index
    assert from_offset(text, utf16, Unit.UTF16) == index
    assert convert_offset(text, utf16, Unit.UTF16, Unit.UTF8) == utf8


@pytest.mark.parametrize(
    ("offset", "unit"), [(2, Unit.UTF8), (4, Unit.UTF8), (7, Unit.UTF8), (4, Unit.UTF16)]
)
def test_offset_inside_a_character_raises(offset: int, unit: Unit) -> None:
    with pytest.raises(PositionError) as raised:
        from_offset("aé中😀b", offset, unit)
    assert raised.value.unit is unit
    assert raised.value.offset == offset


@pytest.mark.parametrize("unit", list(Unit))
def test_offset_past_the_end_raises(unit: Unit) -> None:
    with pytest.raises(PositionError):
        from_offset("加强", 100, unit)
    with pytest.raises(PositionError):
        to_offset("加强", 3, unit)


def test_position_error_is_a_delta_error() -> None:
    with pytest.raises(DeltaError):
        delta_from_utf8("中", (Retain(1), Insert("x")))


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_offsets_round_trip_at_every_boundary_of_un_languages(text: str) -> None:
    for index in range(len(text) + 1):
        for unit in Unit:
            assert from_offset(text, to_offset(text, index, unit), unit) == index


def test_delta_counts_convert_over_the_text_they_walk() -> None:
    before = "aé中😀b"
    code_points: Delta = (Retain(1), Delete(2), Insert("Жx"), Retain(1, {"ins": "a1"}))
    assert delta_to_utf8(before, code_points) == (
        Retain(1),
        Delete(5),
        Insert("Жx"),
        Retain(4, {"ins": "a1"}),
    )
    assert delta_to_utf16(before, code_points) == (
        Retain(1),
        Delete(2),
        Insert("Жx"),
        Retain(2, {"ins": "a1"}),
    )
    assert delta_from_utf8(before, delta_to_utf8(before, code_points)) == code_points
    assert delta_from_utf16(before, delta_to_utf16(before, code_points)) == code_points


Edit: TypeAlias = Callable[[Text], None]


def _observed(before: str, edit: Edit) -> tuple[Runs, Delta]:
    """Apply ``edit`` to a pycrdt text holding ``before``; the runs after and the event delta."""
    text = _pycrdt_text(before)
    seen: list[Delta] = []
    # pycrdt declares TextEvent.delta in __slots__ only, so mypy does not see it
    text.observe(lambda event: seen.append(delta_from_yjs(event.delta)))  # type: ignore[attr-defined]
    edit(text)
    return runs_of(*((s, a or {}) for s, a in text.diff())), seen[-1]


def _delete(start: int, stop: int) -> Edit:
    def edit(text: Text) -> None:
        del text[start:stop]

    return edit


PYCRDT_EDITS: dict[str, tuple[str, Edit]] = {
    "insert_after_emoji": ("aé中😀b", lambda t: t.insert(10, "X")),
    "insert_amendment_in_french": ("Élaborer un cadre", lambda t: t.insert(2, "Ж", {"ins": "a1"})),
    "delete_arabic_word": ("تعزيز التعاون", _delete(0, 10)),
    "mark_chinese_for_deletion": ("加强合作", lambda t: t.format(3, 9, {"del:a1": True})),
    "delete_emoji_in_russian": ("Усиленное 😀 сотрудничество", _delete(19, 23)),
}


@pytest.mark.parametrize(("before", "edit"), PYCRDT_EDITS.values(), ids=PYCRDT_EDITS.keys())
def test_pycrdt_event_deltas_convert_to_code_points(before: str, edit: Edit) -> None:
    after, delta = _observed(before, edit)
    assert apply_delta((Run(before),), delta_from_utf8(before, delta)) == after


def test_pycrdt_insert_inside_a_character_lands_at_the_end() -> None:
    """The pitfall `drafting.positions` exists for (DESIGN §11)."""
    after, delta = _observed("中中", lambda t: t.insert(1, "x"))
    assert plain(after) == "中中x"
    assert delta_from_utf8("中中", delta) == (Retain(2), Insert("x"))


@given(st.text(), st.data())
def test_any_unicode_offsets_round_trip(text: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(text)))
    for unit in Unit:
        offset = to_offset(text, index, unit)
        assert offset == measure(text[:index], unit)
        assert from_offset(text, offset, unit) == index
    assert to_offset(text, index, Unit.UTF8) == len(text[:index].encode("utf-8"))
    assert to_offset(text, index, Unit.UTF16) == len(text[:index].encode("utf-16-le")) // 2


@st.composite
def text_and_delta(draw: st.DrawFn) -> tuple[str, Delta]:
    text = draw(st.text())
    ops: list[Retain | Delete | Insert] = []
    left = len(text)
    while left and draw(st.booleans()):
        count = draw(st.integers(0, left))
        attrs = draw(st.sampled_from([None, {"ins": "a1"}, {"del:b2": True}]))
        ops.append(Delete(count) if draw(st.booleans()) else Retain(count, attrs))
        left -= count
        if draw(st.booleans()):
            ops.append(Insert(draw(st.text(min_size=1))))
    return text, tuple(ops)


@given(text_and_delta())
def test_any_delta_round_trips_through_utf8_and_utf16(case: tuple[str, Delta]) -> None:
    text, delta = case
    assert delta_from_utf8(text, delta_to_utf8(text, delta)) == delta
    assert delta_from_utf16(text, delta_to_utf16(text, delta)) == delta
