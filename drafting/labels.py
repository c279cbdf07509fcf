"""Paragraph labels: ``PP1``, ``OP4``, ``OP4bis``, ``OP6alt``, ``12`` (DESIGN §2).

A paragraph proposed after OP4 is ``OP4bis`` (then ``ter``, ``quater``…), an alternative to OP6 is
``OP6alt`` (then ``OP6alt2``…). Labels are renumbered only at adoption; ids never change.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from drafting.vocabulary import ParagraphKind

LATIN_SUFFIXES = (
    "bis",
    "ter",
    "quater",
    "quinquies",
    "sexies",
    "septies",
    "octies",
    "novies",
    "decies",
    "undecies",
    "duodecies",
)

PREFIXES = {ParagraphKind.PREAMBULAR: "PP", ParagraphKind.OPERATIVE: "OP"}

_LABEL = re.compile(
    r"^(?P<prefix>PP|OP)?(?P<number>\d+)(?P<suffix>" + "|".join(LATIN_SUFFIXES) + r")?"
    r"(?P<alt>alt\d*)?$"
)


@dataclass(frozen=True)
class Label:
    prefix: str
    number: int
    suffix: str = ""
    alt: str = ""

    def __str__(self) -> str:
        return f"{self.prefix}{self.number}{self.suffix}{self.alt}"


def parse_label(text: str) -> Label | None:
    """A label's parts, or None when it is free text (a heading, say)."""
    match = _LABEL.match(text.strip())
    if not match:
        return None
    return Label(
        match["prefix"] or "", int(match["number"]), match["suffix"] or "", match["alt"] or ""
    )


def label_after(anchor: str, existing: Collection[str]) -> str:
    """The label for a paragraph proposed right after ``anchor``: OP4 → OP4bis, then OP4ter…"""
    parsed = parse_label(anchor)
    if parsed is None:
        return _free(anchor + " bis", existing)
    start = LATIN_SUFFIXES.index(parsed.suffix) + 1 if parsed.suffix else 0
    for suffix in LATIN_SUFFIXES[start:]:
        candidate = str(Label(parsed.prefix, parsed.number, suffix))
        if candidate not in existing:
            return candidate
    return _free(str(Label(parsed.prefix, parsed.number, LATIN_SUFFIXES[-1])), existing)


def alternative_label(original: str, existing: Collection[str]) -> str:
    """The label for an alternative to ``original``: OP6 → OP6alt, then OP6alt2…"""
    base = original + "alt"
    if base not in existing:
        return base
    return _free(base, existing)


def _free(base: str, existing: Collection[str]) -> str:
    n = 2
    while f"{base}{n}" in existing:
        n += 1
    return f"{base}{n}"


def next_label(kind: ParagraphKind, existing: Sequence[tuple[ParagraphKind, str]]) -> str:
    """The label for a paragraph appended at the end: one past the highest of its kind."""
    prefix = PREFIXES.get(kind)
    if prefix is None:
        return ""
    numbers = [
        parsed.number
        for k, label in existing
        if k == kind and (parsed := parse_label(label)) and parsed.prefix == prefix
    ]
    return f"{prefix}{max(numbers, default=0) + 1}"


def renumber(ordered: Sequence[tuple[str, ParagraphKind, str]]) -> dict[str, str]:
    """Final labels at adoption: PP and OP counted from 1 in order; other labels kept."""
    counters: dict[str, int] = {}
    out: dict[str, str] = {}
    for paragraph_id, kind, label in ordered:
        prefix = PREFIXES.get(kind)
        if prefix is None:
            out[paragraph_id] = label
            continue
        counters[prefix] = counters.get(prefix, 0) + 1
        out[paragraph_id] = f"{prefix}{counters[prefix]}"
    return out
