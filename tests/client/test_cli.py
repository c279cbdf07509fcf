"""The `rollingtext` console entry, run in-process against a temporary SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from client import cli, webbuild
from drafting import demo
from drafting.vocabulary import ParagraphKind
from server.drafts import load_record
from server.storage import Storage

Run = Callable[..., tuple[int, str, str]]

MARKDOWN = """\
# Draft outcome on capacity building

## Preamble

PP1 Recalling the Tunis Agenda,

PP2 Noting the contributions received,

## Recommendations

OP1. Encourages capacity-building programmes;

OP2 Invites Member States to share good practices;

OP2bis Requests the secretariat to report back.
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "var" / "rollingtext.sqlite3"  # the directory does not exist yet


@pytest.fixture
def url(db: Path) -> str:
    return f"sqlite:///{db}"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def run_cli(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run_cli


@pytest.fixture
def storage(url: str) -> Iterator[Storage]:
    with Storage.open(url) as opened:
        yield opened


def stored_text(db: Path) -> str:
    """Everything the database holds, rows and raw files (main file and WAL)."""
    parts: list[str] = []
    with closing(sqlite3.connect(db)) as connection:
        query = "select name from sqlite_master where type = 'table'"
        for (table,) in connection.execute(query).fetchall():
            parts.extend(repr(row) for row in connection.execute(f'select * from "{table}"'))
    for path in db.parent.glob(db.name + "*"):
        parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def seed_demo(run: Run, url: str) -> dict[str, Any]:
    code, out, err = run("demo", "--db", url, "--json")
    assert (code, err) == (0, "")
    seeded: dict[str, Any] = json.loads(out)
    return seeded


def test_demo_json_issues_every_roster_delegation_a_role_and_a_token(
    run: Run, url: str, storage: Storage
) -> None:
    seeded = seed_demo(run, url)

    assert seeded["draft"] == demo.DRAFT_ID
    delegations = seeded["delegations"]
    assert len(delegations) == 46
    assert {code: d["role"] for code, d in delegations.items()} == {
        d.code: d.role.value for d in demo.ROSTER
    }
    tokens = [d["token"] for d in delegations.values()]
    assert len(set(tokens)) == 46
    for code, issued in delegations.items():
        signed_in = storage.authenticate(issued["token"])
        assert signed_in is not None
        assert (signed_in.code, signed_in.role) == (code, issued["role"])


def test_demo_creates_one_draft_with_twenty_paragraphs(
    run: Run, url: str, storage: Storage
) -> None:
    seed_demo(run, url)

    assert [d.id for d in storage.list_drafts()] == [demo.DRAFT_ID]
    draft, history = load_record(storage, demo.DRAFT_ID)
    assert draft is not None
    assert len(draft.order) == 20
    assert [draft.paragraphs[p].label for p in draft.order][:7] == [
        "PP1", "PP2", "PP3", "PP4", "PP5", "PP6", "OP1",
    ]  # fmt: skip
    assert {e.actor for e in history} == {"SECRETARIAT"}
    assert storage.load(demo.DRAFT_ID).updates, "the live document is stored with the record"


def test_demo_tokens_are_not_stored_in_plain_text(run: Run, url: str, db: Path) -> None:
    seeded = seed_demo(run, url)

    stored = stored_text(db)
    assert stored
    leaked = [code for code, d in seeded["delegations"].items() if d["token"] in stored]
    assert leaked == []


def test_demo_without_json_prints_sign_in_links_by_role(run: Run, url: str) -> None:
    code, out, err = run("demo", "--db", url, "--base-url", "https://rt.example.org/")

    assert (code, err) == (0, "")
    assert out.count("https://rt.example.org/?token=") == 46
    headings = [line for line in out.splitlines() if line.endswith(":") and " " not in line]
    assert headings == ["Chair:", "Secretariat:", "Members:", "Observers:"]


def test_demo_twice_refuses_with_already_seeded(run: Run, url: str, storage: Storage) -> None:
    seed_demo(run, url)

    code, out, err = run("demo", "--db", url, "--json")

    assert code == 1
    assert out == ""
    assert "already seeded" in err
    assert "Traceback" not in err
    assert len(storage.list_drafts()) == 1


def test_console_script_reports_errors_without_traceback(url: str) -> None:
    script = Path(sys.executable).with_name("rollingtext")
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    first = subprocess.run([script, "demo", "--db", url, "--json"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)["delegations"]) == 46

    again = subprocess.run([script, "demo", "--db", url], capture_output=True, text=True)

    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr.startswith("rollingtext: error: ")
    assert "already seeded" in again.stderr
    assert "Traceback" not in again.stderr


def test_delegation_add_prints_a_working_token(run: Run, url: str, storage: Storage) -> None:
    code, out, err = run(
        "delegation", "add", "BRA", "Brazil",
        "--constituency", "member_state", "--role", "member", "--db", url, "--json",
    )  # fmt: skip

    assert (code, err) == (0, "")
    added = json.loads(out)
    assert added["code"] == "BRA"
    signed_in = storage.authenticate(added["token"])
    assert signed_in is not None
    assert (signed_in.code, signed_in.name, signed_in.role) == ("BRA", "Brazil", "member")


def test_delegation_add_human_output_shows_the_token_once(
    run: Run, url: str, storage: Storage
) -> None:
    code, out, _ = run(
        "delegation", "add", "ISOC", "Internet Society",
        "--constituency", "technical_academic", "--role", "member", "--db", url,
    )  # fmt: skip

    assert code == 0
    token = out.rsplit(" ", 1)[-1].strip()
    assert out.count(token) == 1
    signed_in = storage.authenticate(token)
    assert signed_in is not None and signed_in.code == "ISOC"


def test_delegation_add_twice_is_a_clear_error(run: Run, url: str) -> None:
    args = ("delegation", "add", "EU", "European Union", "--constituency", "member_state")
    assert run(*args, "--role", "member", "--db", url)[0] == 0

    code, out, err = run(*args, "--role", "member", "--db", url)

    assert (code, out) == (1, "")
    assert "'EU' already exists" in err


def test_delegation_add_refuses_a_malformed_code(run: Run, url: str) -> None:
    code, _, err = run(
        "delegation", "add", "eu", "European Union",
        "--constituency", "member_state", "--role", "member", "--db", url,
    )  # fmt: skip

    assert code == 1
    assert "delegation code 'eu'" in err


def add_secretariat(run: Run, url: str) -> None:
    code, _, _ = run(
        "delegation", "add", "SECRETARIAT", "Secretariat",
        "--constituency", "intergovernmental", "--role", "secretariat", "--db", url,
    )  # fmt: skip
    assert code == 0


def test_draft_import_creates_labelled_paragraphs(
    run: Run, url: str, storage: Storage, tmp_path: Path
) -> None:
    add_secretariat(run, url)
    source = tmp_path / "Capacity Building.md"
    source.write_text(MARKDOWN, encoding="utf-8")

    code, out, err = run(
        "draft", "import", str(source), "--symbol", "WGEC/2026/CRP.2", "--db", url, "--json"
    )

    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["draft"] == "capacity-building"
    assert result["paragraphs"] == 7
    draft, history = load_record(storage, "capacity-building")
    assert draft is not None
    assert (draft.title, draft.symbol) == ("Draft outcome on capacity building", "WGEC/2026/CRP.2")
    paragraphs = [draft.paragraphs[p] for p in draft.order]
    assert [(p.label, p.kind) for p in paragraphs if p.kind != ParagraphKind.HEADING] == [
        ("PP1", ParagraphKind.PREAMBULAR),
        ("PP2", ParagraphKind.PREAMBULAR),
        ("OP1", ParagraphKind.OPERATIVE),
        ("OP2", ParagraphKind.OPERATIVE),
        ("OP2bis", ParagraphKind.OPERATIVE),
    ]
    assert [p.kind for p in paragraphs].count(ParagraphKind.HEADING) == 2
    assert {e.actor for e in history} == {"SECRETARIAT"}


def test_draft_import_with_an_explicit_id_prints_id_and_count(
    run: Run, url: str, tmp_path: Path
) -> None:
    add_secretariat(run, url)
    source = tmp_path / "draft.txt"
    source.write_text("PP1 Recalling,\n\nOP1 Decides.\n", encoding="utf-8")

    code, out, _ = run("draft", "import", str(source), "--id", "crp-3", "--db", url)

    assert code == 0
    assert "crp-3" in out and "2 paragraphs" in out


def test_draft_import_without_a_presiding_delegation_is_a_clear_error(
    run: Run, url: str, storage: Storage, tmp_path: Path
) -> None:
    run(
        "delegation", "add", "BRA", "Brazil",
        "--constituency", "member_state", "--role", "member", "--db", url,
    )  # fmt: skip
    source = tmp_path / "draft.md"
    source.write_text(MARKDOWN, encoding="utf-8")

    code, out, err = run("draft", "import", str(source), "--db", url)

    assert (code, out) == (1, "")
    assert "no chair or secretariat delegation" in err
    assert "delegation add" in err and "--role secretariat" in err
    assert storage.list_drafts() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), (b"\xff\xfe\x00bad", "not UTF-8"), (b"\n\n  \n", "no paragraphs")],
)
def test_draft_import_of_a_bad_file_is_a_clear_error(
    run: Run, url: str, tmp_path: Path, content: bytes | None, message: str
) -> None:
    add_secretariat(run, url)
    source = tmp_path / "draft.md"
    if content is not None:
        source.write_bytes(content)

    code, out, err = run("draft", "import", str(source), "--db", url)

    assert (code, out) == (1, "")
    assert message in err


def test_draft_import_twice_is_a_clear_error(run: Run, url: str, tmp_path: Path) -> None:
    add_secretariat(run, url)
    source = tmp_path / "draft.md"
    source.write_text(MARKDOWN, encoding="utf-8")
    assert run("draft", "import", str(source), "--db", url)[0] == 0

    code, _, err = run("draft", "import", str(source), "--db", url)

    assert code == 1
    assert "already exists" in err


class Served:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, app: str, **options: Any) -> None:
        self.calls.append({"app": app, **options})


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    fake = Served()
    monkeypatch.setattr(uvicorn, "run", fake)
    return fake


def test_serve_runs_the_app_factory_on_uvicorn(
    run: Run, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST", "127.0.0.2")
    monkeypatch.setenv("MAX_MESSAGE_BYTES", "1000")

    code, _, _ = run("serve", "--port", "9123")

    assert code == 0
    (call,) = served.calls
    assert call["app"] == "server.app:create_app"
    assert call["factory"] is True
    assert (call["host"], call["port"]) == ("127.0.0.2", 9123)
    assert (call["ws"], call["ws_max_size"], call["log_level"]) == (
        "websockets-sansio",
        4000,
        "info",
    )


@pytest.fixture
def no_web_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webbuild, "ensure_built", lambda **_: ["(browser client skipped)"])


def sign_in_tokens(out: str) -> list[str]:
    return [word.split("?token=", 1)[1] for word in out.split() if "?token=" in word]


@pytest.mark.usefixtures("no_web_build")
def test_up_seeds_an_empty_database_prints_links_then_serves(
    run: Run, url: str, served: Served, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)

    code, out, _ = run("up", "--host", "0.0.0.0", "--port", "8765")

    assert code == 0
    assert "http://127.0.0.1:8765/" in out
    assert f"project?draft={demo.DRAFT_ID}" in out
    tokens = sign_in_tokens(out)
    assert len(tokens) == 46
    assert all(storage.authenticate(t) is not None for t in tokens)
    assert out.index("Chair:") < out.index("Secretariat:") < out.index("Members:")
    assert out.index("Members:") < out.index("Observers:")
    assert [(c["host"], c["port"]) for c in served.calls] == [("0.0.0.0", 8765)]


@pytest.mark.usefixtures("no_web_build", "served")
def test_up_on_a_seeded_database_issues_fresh_working_links(
    run: Run, url: str, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    first = sign_in_tokens(run("up")[1])

    code, out, _ = run("up")

    assert code == 0
    again = sign_in_tokens(out)
    assert len(again) == 46 and not set(again) & set(first)
    assert all(storage.authenticate(t) is not None for t in again + first)
    assert len(storage.list_drafts()) == 1


def _word_file(path: Path, author: str) -> None:
    document = Document()
    document.add_paragraph("Draft on data", style="Title")
    paragraph = document.add_paragraph("OP1\tInvites Member States ")
    inserted = OxmlElement("w:ins")
    inserted.set(qn("w:id"), "1")
    inserted.set(qn("w:author"), author)
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "to share data"
    run.append(text)
    inserted.append(run)
    paragraph._p.append(inserted)
    document.save(str(path))


def test_draft_import_of_a_word_file_makes_tracked_changes_amendments_of_their_authors(
    run: Run, url: str, storage: Storage, tmp_path: Path
) -> None:
    add_secretariat(run, url)
    run(
        "delegation", "add", "BRA", "Brazil",
        "--constituency", "member_state", "--role", "member", "--db", url,
    )  # fmt: skip
    source = tmp_path / "data.docx"
    _word_file(source, "Brazil")

    code, out, err = run("draft", "import", str(source), "--db", url, "--json")

    assert (code, err) == (0, "")
    result = json.loads(out)
    assert (result["draft"], result["labels"], result["amendments"]) == ("data", ["OP1"], 1)
    draft, _ = load_record(storage, "data")
    assert draft is not None and draft.title == "Draft on data"
    (amendment,) = draft.amendments.values()
    assert (amendment.proposer, amendment.kind.value) == ("BRA", "insert")


def test_draft_import_of_a_word_file_by_an_unknown_author_is_refused(
    run: Run, url: str, storage: Storage, tmp_path: Path
) -> None:
    add_secretariat(run, url)
    source = tmp_path / "data.docx"
    _word_file(source, "Somebody")

    code, out, err = run("draft", "import", str(source), "--db", url)

    assert (code, out) == (1, "")
    assert "'Somebody'" in err
    assert storage.list_drafts() == []
    code, out, _ = run(
        "draft", "import", str(source), "--db", url,
        "--delegation", "SECRETARIAT", "--unknown-authors-to-delegation",
    )  # fmt: skip
    assert code == 0 and "1 pending amendments" in out
