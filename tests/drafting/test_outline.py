"""The outline: which text belongs to which pending amendment, and the notes of a paragraph."""

from __future__ import annotations

from drafting.outline import Change, Piece, pieces_of
from drafting.runs import runs_of


def test_text_two_amendments_delete_goes_to_the_earlier_one() -> None:
    runs = runs_of(
        "We ",
        ("strongly ", {"ins": "a1"}),
        ("enhanced", {"del:a2": True, "del:a3": True}),
        " cooperation",
    )
    assert pieces_of(runs, {"a3": 0, "a2": 1}) == (
        Piece("We "),
        Piece("strongly ", Change.INSERT, "a1"),
        Piece("enhanced", Change.DELETE, "a3", ("a2",)),
        Piece(" cooperation"),
    )
