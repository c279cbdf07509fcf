from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.redline import (
    Change,
    ChangeKind,
    ParagraphChange,
    ParagraphRedline,
    redline,
    redline_markup,
    redline_paragraphs,
    tokens,
)

EQUAL, INSERT, DELETE = ChangeKind.EQUAL, ChangeKind.INSERT, ChangeKind.DELETE

WORDS = st.sampled_from(
    [
        "we", "recommend", "enhanced", "cooperation", "coopération", "renforcée", "التعاون",
        "الدولي", "合", "作", "сотрудничество", "😀", "👩‍👩‍👧", "e\u0301", " ", "  ", ",", ".",
        "\n",
    ]
)  # fmt: skip
SENTENCES = st.one_of(st.lists(WORDS, max_size=12).map("".join), st.text())


def joined(changes: tuple[Change, ...], *kinds: ChangeKind) -> str:
    return "".join(c.text for c in changes if c.kind in kinds)


# --- examples ----------------------------------------------------------------------------------


def test_identical_texts_are_one_equality() -> None:
    assert redline("We agree.", "We agree.") == (Change(EQUAL, "We agree."),)
    assert redline("", "") == ()


def test_insertion_deletion_and_replacement_are_whole_words() -> None:
    assert redline("We recommend enhanced cooperation", "We strongly recommend cooperation") == (
        Change(EQUAL, "We "),
        Change(INSERT, "strongly "),
        Change(EQUAL, "recommend "),
        Change(DELETE, "enhanced "),
        Change(EQUAL, "cooperation"),
    )
    assert redline("international law", "internal law") == (
        Change(DELETE, "international"),
        Change(INSERT, "internal"),
        Change(EQUAL, " law"),
    )


def test_changes_separated_by_a_space_fold_into_one() -> None:
    assert redline_markup("the big red dog", "the small blue dog") == (
        "the {~~big red~>small blue~~} dog"
    )


def test_words_kept_between_changes_stay_visible() -> None:
    assert redline_markup("a big international body", "a small international forum") == (
        "a {~~big~>small~~} international {~~body~>forum~~}"
    )


def test_a_word_no_longer_than_the_changes_around_it_joins_them() -> None:
    assert redline_markup("one big red dog", "one small red cat") == (
        "one {~~big red dog~>small red cat~~}"
    )


def test_markup_of_insertions_and_deletions() -> None:
    assert redline_markup("the end", "the end of it") == "the end{++ of it++}"
    assert redline_markup("we do agree", "we agree") == "we {--do --}agree"
    assert redline_markup("recommend it", "We recommend it") == "{++We ++}recommend it"


def test_scripts_without_spaces_diff_by_character() -> None:
    assert redline_markup("我们建议加强国际合作。", "我们建议加强区域合作。") == (
        "我们建议加强{~~国际~>区域~~}合作。"
    )


def test_french_arabic_russian_and_emoji() -> None:
    assert redline_markup("une coopération renforcée", "une coopération étroite") == (
        "une coopération {~~renforcée~>étroite~~}"
    )
    assert redline_markup("نوصي بتعزيز التعاون الدولي", "نوصي بتعزيز التعاون الإقليمي") == (
        "نوصي بتعزيز التعاون {~~الدولي~>الإقليمي~~}"
    )
    assert redline_markup("Мы рекомендуем", "Мы настоятельно рекомендуем") == (
        "Мы {++настоятельно ++}рекомендуем"
    )
    assert redline_markup("We 👨‍👩‍👧 it", "We 👨‍👩‍👧‍👦 it") == "We {~~👨‍👩‍👧~>👨‍👩‍👧‍👦~~} it"


def test_draft_redline_names_added_removed_changed_and_unchanged_paragraphs() -> None:
    old = [("p1", "Recalling its resolution"), ("p2", "Notes the report"), ("p3", "Decides")]
    new = [("p1", "Recalling its resolution"), ("p3", "Decides to act"), ("p4", "Requests")]
    result = redline_paragraphs(old, new)
    assert [(p.id, p.status) for p in result] == [
        ("p1", ParagraphChange.UNCHANGED),
        ("p2", ParagraphChange.REMOVED),
        ("p3", ParagraphChange.CHANGED),
        ("p4", ParagraphChange.ADDED),
    ]
    assert result[1] == ParagraphRedline(
        "p2",
        ParagraphChange.REMOVED,
        "Notes the report",
        None,
        (Change(DELETE, "Notes the report"),),
    )
    assert result[2].changes == (Change(EQUAL, "Decides"), Change(INSERT, " to act"))
    assert result[3].old is None and result[3].changes == (Change(INSERT, "Requests"),)


def test_paragraph_removed_before_any_survivor_comes_first() -> None:
    result = redline_paragraphs([("p0", "Gone"), ("p1", "Kept")], [("p1", "Kept")])
    assert [(p.id, p.status) for p in result] == [
        ("p0", ParagraphChange.REMOVED),
        ("p1", ParagraphChange.UNCHANGED),
    ]


def test_duplicate_paragraph_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="p1"):
        redline_paragraphs([("p1", "a"), ("p1", "b")], [])


# --- properties --------------------------------------------------------------------------------


@given(st.text())
def test_tokens_rebuild_the_text(text: str) -> None:
    assert "".join(tokens(text)) == text


@given(SENTENCES, SENTENCES)
def test_redline_rebuilds_both_versions(old: str, new: str) -> None:
    changes = redline(old, new)
    assert joined(changes, EQUAL, INSERT) == new
    assert joined(changes, EQUAL, DELETE) == old
    assert all(c.text for c in changes)
    assert all(
        not (a.kind is b.kind or (a.kind is INSERT and b.kind is DELETE))
        for a, b in itertools.pairwise(changes)
    )


def _inside_word(text: str, at: int) -> bool:
    if not 0 < at < len(text):
        return False
    before, after = text[at - 1], text[at]
    letter = {"L", "N"}
    return (
        unicodedata.category(after)[0] == "M"
        or before == "\u200d"
        or (
            unicodedata.category(before)[0] in letter
            and unicodedata.category(after)[0] in letter
            and not any("\u4e00" <= c <= "\u9fff" for c in (before, after))
        )
    )


@given(SENTENCES, SENTENCES)
def test_changes_never_split_a_word(old: str, new: str) -> None:
    for text, kinds in ((old, (EQUAL, DELETE)), (new, (EQUAL, INSERT))):
        at = 0
        for change in redline(old, new):
            if change.kind in kinds:
                assert not _inside_word(text, at), (text, at)
                at += len(change.text)


@given(st.lists(st.tuples(st.sampled_from("abcdef"), SENTENCES), unique_by=lambda p: p[0]))
def test_draft_redline_covers_every_paragraph_of_both_versions(
    old: list[tuple[str, str]],
) -> None:
    new = [(pid, text.upper()) for pid, text in reversed(old[1:])] + [("z", "new")]
    result = redline_paragraphs(old, new)
    assert sorted(p.id for p in result) == sorted({pid for pid, _ in old} | {"z"})
    assert [p.id for p in result if p.new is not None] == [pid for pid, _ in new]
