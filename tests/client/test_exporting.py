"""``rollingtext export``: files from the database, at any point of the record."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.cli import main
from tests.server.exports.negotiation import DRAFT, negotiate


def test_export_writes_the_file_at_the_point_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    done = negotiate(tmp_path / "db.sqlite3", monkeypatch)
    out = tmp_path / "then.md"
    code = main(
        [
            "export",
            DRAFT,
            "--format",
            "md",
            "--at",
            str(done.midway),
            "--out",
            str(out),
            "--db",
            done.url,
        ]
    )
    assert code == 0
    assert "[~~Calls upon~~ Encourages]·USA" in out.read_text(encoding="utf-8")
    assert f"the draft after event {done.midway}" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path)
    assert main(["export", DRAFT, "--format", "docx", "--db", done.url]) == 0
    assert (tmp_path / f"{DRAFT}-{done.last}.docx").read_bytes().startswith(b"PK")


def test_export_refuses_an_unknown_format_or_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    done = negotiate(tmp_path / "db.sqlite3", monkeypatch)
    assert main(["export", DRAFT, "--format", "odt", "--db", done.url]) == 1
    assert "unknown export format 'odt'" in capsys.readouterr().err
    assert main(["export", DRAFT, "--format", "pdf", "--at", "9999", "--db", done.url]) == 1
    assert "not 9999" in capsys.readouterr().err
