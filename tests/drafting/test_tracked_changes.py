from __future__ import annotations

from drafting.brackets import clean
from drafting.settlement import accepted_text
from drafting.tracked_changes import Revision, TrackedRun, read_tracked

INS, DEL, GONE = Revision.INSERTED, Revision.DELETED, Revision.RETRACTED


def test_adjacent_changes_by_one_author_are_one_amendment_a_replacement_when_mixed() -> None:
    read = read_tracked(
        [
            TrackedRun("Calls upon", DEL, "United States"),
            TrackedRun("Encourages", INS, "United States"),
            TrackedRun(" Member States "),
            TrackedRun("strongly ", INS, "Brazil"),
            TrackedRun("never ", INS, "Canada"),
            TrackedRun("to act"),
            TrackedRun(" now", GONE, "Brazil"),
        ]
    )
    assert [p.sponsors for p in read.pending] == [("United States",), ("Brazil",), ("Canada",)]
    assert clean(read.runs) == "Calls upon Member States to act"
    usa, bra, can = (p.id for p in read.pending)
    assert accepted_text(read.runs, usa) == "Encourages Member States to act"
    assert accepted_text(read.runs, bra) == "Calls upon Member States strongly to act"
    assert accepted_text(read.runs, can) == "Calls upon Member States never to act"
