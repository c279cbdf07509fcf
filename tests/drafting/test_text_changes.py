from __future__ import annotations

import pytest

from drafting.runs import INS, Delete, DeltaError, Insert, Retain, runs_of
from drafting.text_changes import Inserted, Reformatted, Removed, changes

TEXT = runs_of("ab", ("cd", {INS: "a1"}), ("éf", {"del:x": True}))


def test_changes_name_each_stretch_with_its_attributes_before_and_after() -> None:
    delta = (Retain(1), Delete(2), Insert("Ж", {INS: "a2"}), Retain(2, {"del:x": True}))
    assert changes(TEXT, delta) == (
        Removed(1, "b", {}),
        Removed(2, "c", {INS: "a1"}),
        Inserted(3, "Ж", {INS: "a2"}, {INS: "a1"}, {INS: "a1"}),
        Reformatted(3, "d", {INS: "a1"}, {INS: "a1", "del:x": True}),
    )


def test_formatting_that_changes_nothing_is_no_change() -> None:
    delta = (Retain(2, {INS: None}), Retain(2, {INS: "a1"}), Retain(2, {"del:x": True}))
    assert changes(TEXT, delta) == ()


def test_empty_inserts_and_zero_counts_are_no_change() -> None:
    """pycrdt reports a format inside a multi-byte character as an empty insert at the end."""
    assert changes(TEXT, (Retain(0), Delete(0), Insert("", {"bold": True}))) == ()


def test_insert_at_the_ends_has_no_neighbour_there() -> None:
    assert changes(TEXT, (Insert("x"),))[0] == Inserted(0, "x", {}, None, {})
    assert changes(TEXT, (Retain(6), Insert("x")))[0] == Inserted(6, "x", {}, {"del:x": True}, None)


@pytest.mark.parametrize("op", [Retain(7), Delete(7), Retain(-1)], ids=["retain", "delete", "neg"])
def test_a_delta_past_the_end_raises(op: Retain | Delete) -> None:
    with pytest.raises(DeltaError):
        changes(TEXT, (op,))
