"""Word's tracked changes as amendments: what a `w:ins`/`w:del` by an author proposes.

A word processor keeps each change with its author. Read as a paragraph of *tracked runs* (text,
and whether an author inserted or deleted it), a paragraph becomes runs with suggestion marks
(DESIGN §5): the changes that one author made side by side form one amendment (a deletion next
to an insertion is a replacement, ``[~~old~~ new]``); changes by different authors are different
amendments. Text an author inserted and another deleted again was never base text and is no
proposal any more: it is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from drafting.bracket_reading import Bracketed, Pending
from drafting.runs import INS, Run, del_key, normalize


class Revision(StrEnum):
    INSERTED = "inserted"
    DELETED = "deleted"
    RETRACTED = "retracted"  # inserted, then deleted again


@dataclass(frozen=True)
class TrackedRun:
    """A stretch of a paragraph's text: base text (``revision`` None) or an author's change."""

    text: str
    revision: Revision | None = None
    author: str = ""


def has_changes(runs: Sequence[TrackedRun]) -> bool:
    return any(run.revision is not None and run.text for run in runs)


def read_tracked(runs: Sequence[TrackedRun], prefix: str = "t", start: int = 1) -> Bracketed:
    """The paragraph's runs with one amendment per author's stretch of adjacent changes; ids are
    ``prefix`` + a number counted from ``start``; each amendment's sponsor is its author."""
    out: list[Run] = []
    pending: list[Pending] = []
    author: str | None = None  # the author of the amendment being read, if its stretch goes on
    for run in runs:
        if not run.text or run.revision is Revision.RETRACTED:
            continue
        if run.revision is None:
            out.append(Run(run.text))
            author = None
            continue
        if author != run.author:
            pending.append(Pending(f"{prefix}{start + len(pending)}", (run.author,)))
            author = run.author
        amendment = pending[-1].id
        marks = (
            {INS: amendment} if run.revision is Revision.INSERTED else {del_key(amendment): True}
        )
        out.append(Run(run.text, marks))
    return Bracketed(normalize(out), tuple(pending))
