"""The text effects of settling an amendment (DESIGN §5), and the views of a paragraph's text.

Accepting an amendment makes its inserted text base text and deletes the text it marked for
deletion; rejecting or withdrawing it deletes its inserted text and removes its marks. Both are
returned as minimal deltas (code point counts; an amendment absent from the text gives the empty
delta) that the shell applies to the live document in the same transaction as the event.

Other amendments' marks are left as they are: text of the accepted amendment that carries another
amendment's ``del:`` mark (suggestion mode forbids it, but the text may predate the rule) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from drafting.runs import (
    INS,
    Delete,
    Delta,
    Insert,
    Op,
    Retain,
    Run,
    apply_delta,
    del_ids,
    del_key,
    ins_id,
    marked_ids,
)


def accept_delta(runs: Sequence[Run], amendment_id: str) -> Delta:
    """The delta that accepts ``amendment_id``: its insertion becomes base, its deletion happens."""

    def settle(run: Run) -> Op:
        if amendment_id in del_ids(run.attrs):
            return Delete(len(run.text))
        if ins_id(run.attrs) == amendment_id:
            return Retain(len(run.text), {INS: None})
        return Retain(len(run.text))

    return _delta(runs, settle)


def reject_delta(runs: Sequence[Run], amendment_id: str) -> Delta:
    """The delta that rejects (or withdraws) ``amendment_id``: its text and its marks go."""

    def settle(run: Run) -> Op:
        if ins_id(run.attrs) == amendment_id:
            return Delete(len(run.text))
        if amendment_id in del_ids(run.attrs):
            return Retain(len(run.text), {del_key(amendment_id): None})
        return Retain(len(run.text))

    return _delta(runs, settle)


def marking_delta(runs: Sequence[Run]) -> Delta:
    """The delta that writes the pending amendments of ``runs`` over their base text
    (`clean_text`): insertions inserted, deletion marks set (an imported draft's proposals)."""
    return compact(
        Insert(run.text, dict(run.attrs))
        if ins_id(run.attrs) is not None
        else Retain(len(run.text), dict(run.attrs) or None)
        for run in runs
    )


def pending_ids(runs: Iterable[Run]) -> frozenset[str]:
    """Every amendment id that still has inserted text or deletion marks in ``runs``."""
    inserting, deleting = marked_ids(runs)
    return frozenset(inserting | deleting)


def clean_text(runs: Iterable[Run]) -> str:
    """Base text only — what would be adopted now: no pending insertion, every word marked for
    deletion kept (a deletion is only a proposal)."""
    return "".join(run.text for run in runs if ins_id(run.attrs) is None)


def accepted_text(runs: Sequence[Run], amendment_id: str) -> str:
    """The clean text as it would be if ``amendment_id`` alone were accepted."""
    return clean_text(apply_delta(runs, accept_delta(runs, amendment_id)))


def _delta(runs: Sequence[Run], settle: Callable[[Run], Op]) -> Delta:
    return compact(settle(run) for run in runs)


def compact(ops: Iterable[Op]) -> Delta:
    """The same change in the fewest operations: neighbours merged, no-ops and trailing retains
    without attributes dropped."""
    out: list[Op] = []
    for op in ops:
        if isinstance(op, Retain | Delete) and op.count == 0:
            continue
        last = out[-1] if out else None
        if isinstance(op, Delete) and isinstance(last, Delete):
            out[-1] = Delete(last.count + op.count)
        elif isinstance(op, Retain) and isinstance(last, Retain) and _same(last.attrs, op.attrs):
            out[-1] = Retain(last.count + op.count, last.attrs)
        else:
            out.append(Retain(op.count, op.attrs or None) if isinstance(op, Retain) else op)
    while out and isinstance(out[-1], Retain) and not out[-1].attrs:
        out.pop()
    return tuple(out)


def _same(a: object, b: object) -> bool:
    return (a or None) == (b or None)
