"""Versions as a chain: the document's full state now and then, the change since it between.

The committer keeps a version of the document with every recorded event (exports and redlines
"as at" any point of the record). Kept whole each time, a draft's versions grow with the square
of its life: a 100 KB draft with 10,000 events would keep a gigabyte. So a version is kept in
full every `FULL_EVERY` versions (and first, per draft and process); the ones between keep only
what the document gained since that full one (a Yjs diff against its state vector), and reading
one is two rows merged. Each process keeps its own chain (its full versions are its own rows,
committed before any version refers to them); after a restart the chain starts with a full one.

Pure functions of bytes and a small per-draft memory; no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from pycrdt import get_state, get_update, merge_updates

FULL_EVERY = 32


@dataclass(frozen=True)
class Base:
    """The last full version this process kept for a draft."""

    seq: int
    state_vector: bytes
    since: int  # versions kept as a change since it


@dataclass(frozen=True)
class Kept:
    """One version as stored."""

    seq: int
    base_seq: int | None  # None: ``data`` is the full state; else the change since that version
    data: bytes


class VersionChain:
    def __init__(self, full_every: int = FULL_EVERY) -> None:
        self.full_every = full_every
        self._bases: dict[str, Base] = {}
        self._guard = threading.Lock()  # commits of different drafts run in several threads

    def encode(
        self, draft_id: str, versions: Sequence[tuple[int, bytes]]
    ) -> tuple[list[Kept], Base | None]:
        """The rows to store for ``versions`` (seq, full state), and the chain's base after
        them — to be remembered with `stored` once they are committed, not before."""
        with self._guard:
            base = self._bases.get(draft_id)
        rows: list[Kept] = []
        for seq, state in versions:
            if base is not None and base.since + 1 < self.full_every and seq > base.seq:
                try:
                    change = get_update(state, base.state_vector)
                except ValueError:  # not a Yjs update: kept as it is, whole
                    pass
                else:
                    rows.append(Kept(seq, base.seq, change))
                    base = Base(base.seq, base.state_vector, base.since + 1)
                    continue
            rows.append(Kept(seq, None, state))
            try:
                base = Base(seq, get_state(state), 0)
            except ValueError:
                base = None
        return rows, base

    def stored(self, draft_id: str, base: Base | None) -> None:
        with self._guard:
            if base is None:
                self._bases.pop(draft_id, None)
            else:
                self._bases[draft_id] = base


def whole(base_state: bytes, change: bytes) -> bytes:
    """The full state of a version kept as a change since ``base_state``."""
    return merge_updates(base_state, change)
