"""``GET /api/drafts/{draft}/export``: every signed-in participant, any format, any point."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from server.storage import Storage
from tests.server.exports.negotiation import DRAFT, Negotiated

BASE = f"/api/drafts/{DRAFT}/export"


@pytest.fixture(scope="module")
def client(storage: Storage) -> Iterator[TestClient]:
    with TestClient(create_app(Settings.from_env(), storage)) as http:
        yield http


@pytest.fixture(scope="module")
def observer(storage: Storage) -> dict[str, str]:
    return {"Authorization": f"Bearer {storage.issue_token('WIKI')}"}


def test_an_observer_exports_every_format(client: TestClient, observer: dict[str, str]) -> None:
    expected = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "html": "text/html; charset=utf-8",
        "pdf": "application/pdf",
        "markdown": "text/markdown; charset=utf-8",
        "akn": "application/akn+xml",
    }
    for name, media in expected.items():
        response = client.get(BASE, params={"format": name}, headers=observer)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == media
        assert f'filename="{DRAFT}-' in response.headers["content-disposition"]
        assert response.content


def test_at_gives_the_text_as_it_stood_then(
    client: TestClient, observer: dict[str, str], negotiated: Negotiated
) -> None:
    response = client.get(
        BASE, params={"format": "docx", "at": negotiated.midway}, headers=observer
    )
    assert response.status_code == 200
    assert f"{DRAFT}-{negotiated.midway}.docx" in response.headers["content-disposition"]
    document = docx.Document(io.BytesIO(response.content))
    assert any("10 March 2026, 12:00 UTC" in p.text for p in document.paragraphs)
    op8 = next(p for p in document.paragraphs if p.text.startswith("OP8\t"))
    assert op8._p.xpath(".//w:ins") and op8._p.xpath(".//w:del")
    now = client.get(BASE, params={"format": "markdown"}, headers=observer).text
    then = client.get(
        BASE, params={"format": "markdown", "at": negotiated.midway}, headers=observer
    ).text
    assert "[~~Calls upon~~ Encourages]·USA" in then and "·USA" not in now


def test_refusals_are_typed_errors(client: TestClient, observer: dict[str, str]) -> None:
    cases = [
        (client.get(BASE, params={"format": "pdf"}), 401, "unauthenticated"),
        (client.get(BASE, params={"format": "odt"}, headers=observer), 422, "invalid"),
        (client.get(BASE, params={"format": "pdf", "at": "x"}, headers=observer), 422, "invalid"),
        (
            client.get(BASE, params={"format": "pdf", "at": 10_000}, headers=observer),
            404,
            "unknown_point",
        ),
        (
            client.get("/api/drafts/nope/export", params={"format": "pdf"}, headers=observer),
            404,
            "unknown_draft",
        ),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)


def test_the_openapi_schema_describes_the_export(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/drafts/{draft}/export"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert "docx" in names["format"]["schema"]["enum"] and "at" in names
    assert "application/pdf" in operation["responses"]["200"]["content"]
