from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.bracket_reading import BracketError, read_brackets
from drafting.brackets import clean, compilation
from drafting.runs import INS, Run, Runs, del_key, normalize
from drafting.settlement import accepted_text


def accepted(runs: Runs, ids: list[str]) -> list[str]:
    return [accepted_text(runs, i) for i in ids]


def test_tagged_brackets_are_insertions_deletions_and_replacements_by_their_delegations() -> None:
    read = read_brackets(
        "We [strongly]·BRA,ZAF recommend [~~enhanced~~]·USA cooperation [~~among~~ by]·EU States."
    )
    assert clean(read.runs) == "We recommend enhanced cooperation among States."
    assert [p.sponsors for p in read.pending] == [("BRA", "ZAF"), ("USA",), ("EU",)]
    assert accepted(read.runs, [p.id for p in read.pending]) == [
        "We strongly recommend enhanced cooperation among States.",
        "We recommend cooperation among States.",
        "We recommend enhanced cooperation by States.",
    ]


def test_an_untagged_bracket_names_no_sponsor_and_takes_the_space_before_punctuation() -> None:
    read = read_brackets("Invites all States [to act].")
    assert [p.sponsors for p in read.pending] == [()]
    assert clean(read.runs) == "Invites all States."
    assert accepted_text(read.runs, read.pending[0].id) == "Invites all States to act."


def test_nested_and_competing_brackets() -> None:
    nested = read_brackets("We [~~strongly~~ [~~enhanced~~]·EU]·USA recommend")
    usa, eu = (p.id for p in nested.pending)
    assert accepted(nested.runs, [usa, eu]) == ["We recommend", "We strongly recommend"]
    competing = read_brackets("a new [accord]·A[protocol]·B on trade")
    assert clean(competing.runs) == "a new on trade"
    assert accepted(competing.runs, [p.id for p in competing.pending]) == [
        "a new accord on trade",
        "a new protocol on trade",
    ]


def test_escaped_brackets_and_strikes_outside_brackets_are_text() -> None:
    read = read_brackets(r"see \[1\] and ~~this~~")
    assert read.runs == (Run("see [1] and ~~this~~"),)
    assert read.pending == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a [b", "'[' without its ']' at character 3"),
        ("a ]b", "']' without its '['"),
        ("a [] b", "empty brackets"),
        ("[x]· y", "without a delegation code"),
        ("[~~x]", "'~~' without its closing '~~'"),
    ],
)
def test_unpaired_brackets_are_refused_with_their_position(text: str, message: str) -> None:
    with pytest.raises(BracketError, match=re.escape(message)):
        read_brackets(text)


WORDS = st.sampled_from(["we", "recommend", "enhanced", "cooperation", "États", "合作", "2026"])
PIECE = st.tuples(WORDS, st.sampled_from(["base", "insert", "delete", "replace"]))


@given(st.lists(PIECE, min_size=1, max_size=8))
def test_reading_the_compilation_back_gives_the_same_clean_text_and_amendments(
    pieces: list[tuple[str, str]],
) -> None:
    runs: list[Run] = []
    ids: list[str] = []
    for index, (word, kind) in enumerate(pieces):
        text = word if index == len(pieces) - 1 else word + " "
        ident = f"a{index}"
        ids.append(ident)
        if kind == "base":
            runs.append(Run(text))
            ids.pop()
        elif kind == "insert":  # as the room types it: the word and the space after it
            runs.append(Run(text, {INS: ident}))
        elif kind == "delete":
            runs.append(Run(text, {del_key(ident): True}))
        else:  # [~~old~~ new]
            runs += [Run(word, {del_key(ident): True}), Run(word.upper(), {INS: ident})]
            runs.append(Run(text[len(word) :]))
    original = normalize(runs)
    tags = {i: "BRA" for i in ids}
    read = read_brackets(compilation(original, tags))
    # (whitespace at the very start or end of a paragraph is not kept)
    assert clean(read.runs).strip() == clean(original).strip()
    assert sorted(a.strip() for a in accepted(read.runs, [p.id for p in read.pending])) == sorted(
        a.strip() for a in accepted(original, ids)
    )
