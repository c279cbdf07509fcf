"""History and redlines over the scripted negotiation: original draft → adopted text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from server.storage import Storage
from tests.server.exports.negotiation import DRAFT, Negotiated, negotiate


@pytest.fixture(scope="module")
def negotiated(tmp_path_factory: pytest.TempPathFactory) -> Negotiated:
    with pytest.MonkeyPatch.context() as patch:
        return negotiate(tmp_path_factory.mktemp("history") / "negotiated.sqlite3", patch)


@pytest.fixture(scope="module")
def client(negotiated: Negotiated) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with Storage.open(negotiated.url) as storage:
        headers = {"Authorization": f"Bearer {storage.issue_token('WIKI')}"}  # an observer
        with TestClient(create_app(Settings(web_root="/nonexistent"), storage)) as client:
            yield client, headers


def get(client: tuple[TestClient, dict[str, str]], path: str) -> dict[str, Any]:
    response = client[0].get(path, headers=client[1])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_history_lists_the_original_then_each_consensus_and_the_adoption(
    client: tuple[TestClient, dict[str, str]], negotiated: Negotiated
) -> None:
    versions = get(client, f"/api/drafts/{DRAFT}/history")["versions"]
    original = versions[0]
    assert (original["type"], original["seq"]) == ("original", 21)
    summaries = [v["summary"] for v in versions[1:]]
    assert summaries[:4] == [
        "OP7: insert by BRA accepted by consensus",
        "OP10: delete by IND accepted by consensus",
        "PP1 agreed by consensus",
        "OP7 agreed by consensus",
    ]
    assert "PP2 agreed: the silence procedure ended unbroken" in summaries
    assert "OP12 agreed by consensus" in summaries  # KEN broke the silence on OP12
    assert summaries[-1] == "the draft is adopted"
    assert versions[-1]["seq"] == negotiated.last
    assert [v["seq"] for v in versions] == sorted(v["seq"] for v in versions)


def test_the_redline_of_the_original_against_the_adopted_text_shows_the_accepted_changes(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    redline = get(client, f"/api/drafts/{DRAFT}/redline")
    changed = {p["label"]: p["runs"] for p in redline["paragraphs"] if p["status"] == "changed"}
    assert set(changed) == {"OP7", "OP10"}
    assert {"op": "insert", "text": "resilient, "} in changed["OP7"]
    assert {"op": "delete", "text": "and mappings "} in changed["OP10"]
    assert all(
        p["status"] == "unchanged" for p in redline["paragraphs"] if p["label"] not in changed
    )
    unchanged = next(p for p in redline["paragraphs"] if p["label"] == "PP1")
    assert [r["op"] for r in unchanged["runs"]] == ["equal"]


def test_a_redline_between_two_points_shows_only_what_changed_between_them(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    versions = get(client, f"/api/drafts/{DRAFT}/history")["versions"]
    first, second = versions[1]["seq"], versions[2]["seq"]
    redline = get(client, f"/api/drafts/{DRAFT}/redline?from={first}&to={second}")
    assert (redline["from"]["seq"], redline["to"]["seq"]) == (first, second)
    changed = [p["label"] for p in redline["paragraphs"] if p["status"] == "changed"]
    assert changed == ["OP10"]


def test_the_html_redline_marks_insertions_and_deletions(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    response = client[0].get(f"/api/drafts/{DRAFT}/redline?format=html", headers=client[1])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<ins>resilient, </ins>" in response.text
    assert "<del>and mappings </del>" in response.text


@pytest.mark.parametrize(
    ("query", "status"),
    [("?from=abc", 422), ("?format=pdf", 422), ("?to=9999", 404)],
)
def test_bad_points_and_formats_are_clear_errors(
    client: tuple[TestClient, dict[str, str]], query: str, status: int
) -> None:
    response = client[0].get(f"/api/drafts/{DRAFT}/redline{query}", headers=client[1])
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_unknown_drafts_and_unsigned_callers_are_refused(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    assert client[0].get("/api/drafts/nope/history", headers=client[1]).status_code == 404
    assert client[0].get("/api/drafts/nope/redline", headers=client[1]).status_code == 404
    assert client[0].get(f"/api/drafts/{DRAFT}/history").status_code == 401
