"""Propose by rewriting: a member edits the clean text freely; we turn that into amendments.

The member rewrote the paragraph's *base* text (`drafting.brackets.clean`: pending insertions
left out, text marked for deletion kept). A word-level redline (`drafting.redline`) between the
base text and the rewrite gives the changes; each change becomes one amendment with a fresh id:

- an insertion — new characters carrying ``ins`` = id, placed right after the base character
  that precedes them, i.e. before any other pending insertion already sitting in that gap;
- a deletion — ``del:<id>`` marks on the base characters, skipping other delegations' inserted
  characters between them;
- a replacement — both, the inserted text right after the marked text (``[~~old~~ new]``).

Everything comes back as ONE `Delta` over the current runs. It never deletes a character and never
touches an attribute other than the new ids' own: others' pending proposals are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from drafting.brackets import clean
from drafting.redline import ChangeKind, redline
from drafting.runs import INS, Delta, Insert, Op, Retain, Run, del_key, ins_id
from drafting.vocabulary import AmendmentKind


@dataclass(frozen=True)
class ProposedAmendment:
    """One amendment drawn from a rewrite. ``start`` indexes the base (clean) text."""

    id: str
    kind: AmendmentKind
    start: int
    deleted: str
    inserted: str


@dataclass(frozen=True)
class Rewrite:
    """The amendments a rewrite makes, and the delta that writes them into the paragraph."""

    amendments: tuple[ProposedAmendment, ...]
    delta: Delta


def propose_by_rewriting(runs: Sequence[Run], rewritten: str, new_id: Callable[[], str]) -> Rewrite:
    """Amendments turning the base text of ``runs`` into ``rewritten``; ``new_id`` names each."""
    amendments = tuple(_amendments(clean(runs), rewritten, new_id))
    return Rewrite(amendments, _delta(runs, amendments))


def _amendments(base: str, rewritten: str, new_id: Callable[[], str]) -> list[ProposedAmendment]:
    hunks: list[tuple[int, str, str]] = []  # (start in base, deleted, inserted)
    position, fresh = 0, True
    for change in redline(base, rewritten):
        if change.kind is ChangeKind.EQUAL:
            position, fresh = position + len(change.text), True
            continue
        if fresh:
            hunks.append((position, "", ""))
            fresh = False
        start, deleted, inserted = hunks[-1]
        if change.kind is ChangeKind.DELETE:
            hunks[-1] = (start, deleted + change.text, inserted)
            position += len(change.text)
        else:
            hunks[-1] = (start, deleted, inserted + change.text)
    return [
        ProposedAmendment(new_id(), _kind(deleted, inserted), start, deleted, inserted)
        for start, deleted, inserted in hunks
    ]


def _kind(deleted: str, inserted: str) -> AmendmentKind:
    if deleted and inserted:
        return AmendmentKind.REPLACE
    return AmendmentKind.DELETE if deleted else AmendmentKind.INSERT


def _delta(runs: Sequence[Run], amendments: Sequence[ProposedAmendment]) -> Delta:
    """Walk the runs, counting base characters, and lay each amendment over them."""
    marks: dict[int, str] = {}  # base index -> amendment marking it
    inserts: dict[int, ProposedAmendment] = {}  # base gap (insert after base char gap-1)
    for amendment in amendments:
        for index in range(amendment.start, amendment.start + len(amendment.deleted)):
            marks[index] = amendment.id
        if amendment.inserted:
            inserts[amendment.start + len(amendment.deleted)] = amendment

    ops: list[Op] = []
    base = 0
    placed: set[int] = set()

    def place(gap: int) -> None:
        if gap in inserts and gap not in placed:
            placed.add(gap)
            amendment = inserts[gap]
            ops.append(Insert(amendment.inserted, {INS: amendment.id}))

    for run in runs:
        if ins_id(run.attrs) is not None:
            place(base)
            _retain(ops, len(run.text), None)
            continue
        for _ in run.text:
            place(base)
            marker = marks.get(base)
            _retain(ops, 1, {del_key(marker): True} if marker else None)
            base += 1
    place(base)
    while ops and isinstance(ops[-1], Retain) and not ops[-1].attrs:
        ops.pop()
    return tuple(ops)


def _retain(ops: list[Op], count: int, attrs: dict[str, bool] | None) -> None:
    last = ops[-1] if ops else None
    if count and isinstance(last, Retain) and last.attrs == attrs:
        ops[-1] = Retain(last.count + count, attrs)
    elif count:
        ops.append(Retain(count, attrs))
