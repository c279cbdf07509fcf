"""``POST /api/drafts/import``: the Chair or secretariat uploads a file; bad ones create nothing."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from starlette.testclient import TestClient

from server.app import create_app
from server.exports.docx import export_docx
from server.settings import Settings
from server.storage import Storage
from server.versions import version_at
from tests.server.exports.negotiation import DRAFT, Negotiated

MARKDOWN = b"""# Draft on capacity building

PP1 Recalling the Tunis Agenda,

OP1 Encourages [strongly]\xc2\xb7BRA capacity-building programmes [for all];
"""


@pytest.fixture
def client(storage: Storage) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(web_root="/nonexistent"), storage)) as client:
        yield client


def bearer(storage: Storage, code: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {storage.issue_token(code)}"}


def drafts(storage: Storage) -> set[str]:
    return {d.id for d in storage.list_drafts()}


def test_the_secretariat_imports_markdown_with_bracketed_amendments(
    client: TestClient, storage: Storage
) -> None:
    response = client.post(
        "/api/drafts/import?filename=capacity.md&symbol=WGEC/2026/CRP.2",
        content=MARKDOWN,
        headers={**bearer(storage, "SECRETARIAT"), "Content-Type": "text/markdown"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["draft"] == "draft-on-capacity-building"
    assert (created["labels"], created["amendments"]) == (["PP1", "OP1"], 2)

    view = client.get(f"/api/drafts/{created['draft']}", headers=bearer(storage, "BRA")).json()
    assert view["symbol"] == "WGEC/2026/CRP.2"
    op1 = view["paragraphs"][1]
    assert op1["clean"] == "Encourages capacity-building programmes;"
    assert op1["compilation"] == (
        "Encourages [strongly]·BRA capacity-building programmes [for all]·CHAIR;"
    )
    assert {(a["proposer"], a["kind"], a["status"]) for a in view["amendments"]} == {
        ("BRA", "insert", "pending"),
        ("CHAIR", "insert", "pending"),
    }


def test_untagged_brackets_go_to_the_delegation_given_on_import(
    client: TestClient, storage: Storage
) -> None:
    response = client.post(
        "/api/drafts/import?filename=capacity.md&delegation=USA&id=crp-2",
        content=MARKDOWN,
        headers=bearer(storage, "CHAIR"),
    )
    assert response.status_code == 201, response.text
    view = client.get("/api/drafts/crp-2", headers=bearer(storage, "USA")).json()
    assert sorted(a["proposer"] for a in view["amendments"]) == ["BRA", "USA"]


def test_a_word_export_imports_with_its_tracked_changes(
    client: TestClient, storage: Storage, negotiated: Negotiated
) -> None:
    data = export_docx(version_at(storage, DRAFT, negotiated.midway))
    response = client.post(
        "/api/drafts/import?filename=crp1.docx&id=crp-1-copy",
        content=data,
        headers=bearer(storage, "CHAIR"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["amendments"] == 3
    view = client.get("/api/drafts/crp-1-copy", headers=bearer(storage, "CHAIR")).json()
    assert {a["proposer"] for a in view["amendments"]} == {"BRA", "USA", "IND"}


def _docx_with_author(author: str) -> bytes:
    document = Document()
    paragraph = document.add_paragraph("OP1 Invites Member States ")
    inserted = OxmlElement("w:ins")
    inserted.set(qn("w:id"), "1")
    inserted.set(qn("w:author"), author)
    inserted.set(qn("w:date"), "2026-03-10T10:00:00Z")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "to act"
    run.append(text)
    inserted.append(run)
    paragraph._p.append(inserted)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_unknown_word_author_is_refused_unless_attributed_to_the_importing_delegation(
    client: TestClient, storage: Storage
) -> None:
    data = _docx_with_author("Jane Doe")
    refused = client.post(
        "/api/drafts/import?filename=x.docx", content=data, headers=bearer(storage, "CHAIR")
    )
    assert refused.status_code == 422
    assert "'Jane Doe'" in refused.json()["error"]["message"]
    assert refused.json()["error"]["unknown"] == ["Jane Doe"]
    assert drafts(storage) == {DRAFT}

    accepted = client.post(
        "/api/drafts/import?filename=x.docx&unknown_authors=delegation&delegation=BRA",
        content=data,
        headers=bearer(storage, "CHAIR"),
    )
    assert accepted.status_code == 201, accepted.text
    view = client.get("/api/drafts/x", headers=bearer(storage, "CHAIR")).json()
    assert view["paragraphs"][0]["compilation"] == "Invites Member States [to act]·BRA"


def test_a_word_author_is_matched_by_delegation_name(client: TestClient, storage: Storage) -> None:
    response = client.post(
        "/api/drafts/import?filename=x.docx",
        content=_docx_with_author("Brazil"),
        headers=bearer(storage, "CHAIR"),
    )
    assert response.status_code == 201, response.text
    view = client.get("/api/drafts/x", headers=bearer(storage, "CHAIR")).json()
    assert [a["proposer"] for a in view["amendments"]] == ["BRA"]


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("draft.docx", b"", "empty"),
        ("draft.docx", b"%PDF-1.7 not a word file", "not a Word document"),
        ("draft.docx", b"PK\x03\x04 truncated zip", "not a readable Word document"),
        ("draft.doc", b"\xd0\xcf\x11\xe0 old word", "save as .docx"),
        ("draft.md", b"OP1 [unclosed bracket", "'[' without its ']'"),
        ("draft.txt", b"\xff\xfe\x00 latin", "not UTF-8"),
    ],
)
def test_a_bad_file_is_a_clear_error_and_creates_nothing(
    client: TestClient, storage: Storage, name: str, body: bytes, message: str
) -> None:
    response = client.post(
        f"/api/drafts/import?filename={name}", content=body, headers=bearer(storage, "CHAIR")
    )
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]
    assert drafts(storage) == {DRAFT}


def test_broken_xml_in_a_docx_is_a_clear_error(client: TestClient, storage: Storage) -> None:
    good = _docx_with_author("Brazil")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as broken:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]
            broken.writestr(item, data)
    response = client.post(
        "/api/drafts/import?filename=x.docx",
        content=out.getvalue(),
        headers=bearer(storage, "CHAIR"),
    )
    assert response.status_code == 422
    assert "XML is broken" in response.json()["error"]["message"]
    assert drafts(storage) == {DRAFT}


def test_a_file_over_50_mb_is_refused_with_413(client: TestClient, storage: Storage) -> None:
    body = b"OP1 " + b"x" * (50 * 1024 * 1024)
    response = client.post(
        "/api/drafts/import?filename=big.txt", content=body, headers=bearer(storage, "CHAIR")
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert drafts(storage) == {DRAFT}


def test_members_and_observers_may_not_import(client: TestClient, storage: Storage) -> None:
    for code in ("BRA", "WIKI"):
        response = client.post(
            "/api/drafts/import?filename=x.md", content=MARKDOWN, headers=bearer(storage, code)
        )
        assert response.status_code == 403
    assert drafts(storage) == {DRAFT}


def test_an_observer_named_as_proposer_is_refused(client: TestClient, storage: Storage) -> None:
    response = client.post(
        "/api/drafts/import?filename=x.md",
        content="OP1 Invites [all]·WIKI States".encode(),
        headers=bearer(storage, "CHAIR"),
    )
    assert response.status_code == 422
    assert "WIKI is an observer delegation" in response.json()["error"]["message"]
    assert drafts(storage) == {DRAFT}


def test_an_id_already_taken_is_a_conflict(client: TestClient, storage: Storage) -> None:
    response = client.post(
        f"/api/drafts/import?filename=x.md&id={DRAFT}",
        content=MARKDOWN,
        headers=bearer(storage, "CHAIR"),
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "draft_exists"
