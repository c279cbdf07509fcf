"""A short run of the soak (`tests.reliability.soak`), so the soak itself cannot rot.

Five drafts, one warm-up storm and one measured storm of 20 clients: every session syncs (and
types, for the members) without a failure, and every room unloads once idle. The memory figure
of so short a run says little; the 30-minute soak in the README is what judges it.
"""

from __future__ import annotations

from pathlib import Path

from tests.reliability.soak import Options, run


async def test_a_short_soak_unloads_every_room_and_loses_no_connection(tmp_path: Path) -> None:
    options = Options(
        minutes=0,
        drafts=5,
        paragraphs=5,
        clients=20,
        proposals=0.5,  # both kinds of typing, often
        warmup_minutes=0,
        warmup_storms=1,
        storms=1,
        idle_unload=1.0,
        sample_seconds=0.5,
        workdir=tmp_path,
        report=tmp_path / "soak.json",
    )
    report = await run(options)
    counts = report["connections"]
    assert counts["failed"] == 0, report["error_examples"]
    assert counts["synced"] == counts["sessions"] > 20
    # Every member's first visit proposes its standing amendment; later ones type into it
    # (stored, then taken back) or propose afresh and withdraw.
    assert counts["typed"] == counts["acknowledged"] + counts["revised"]
    assert counts["revised"] > 0 and 0 < counts["withdrawn"] < counts["acknowledged"]
    assert counts["abrupt"] > 0 and counts["clean"] > 0
    assert report["rooms"]["after_warmup"] == [] and report["rooms"]["at_end"] == []
    assert report["storm_count"] == 2
    assert report["rss_kib"]["baseline"] and report["rss_kib"]["end"]
    assert any(point["rooms"] > 0 for point in report["timeline"]), "no room was ever loaded"
    assert not report["server_log_errors"], report["server_log_errors"]
    assert (tmp_path / "soak.json").is_file()
