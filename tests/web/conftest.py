"""The browser client in a real browser: Debian's chromium driven by Playwright, against a real
server over the demo draft. Skipped, with the reason shown, when chromium, Playwright or the
built client (client/web/dist) is missing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from drafting import commands as cmd
from drafting import demo
from server.drafts import create_draft
from server.storage import Storage
from tests.live.server_process import ServerProcess, seed_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
DIST = ROOT / "client" / "web" / "dist"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1000}


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (rollingtext setup --for-tests installs it)"
    if not (DIST / "index.html").is_file() or not (DIST / "project" / "index.html").is_file():
        return "client/web/dist is missing: run `npm install && npm run build` in client/web"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Room:
    """A server with the demo draft, and the browsers opened on it during one test."""

    server: ServerProcess
    tokens: dict[str, str]
    browser: Browser
    draft_id: str = demo.DRAFT_ID
    contexts: list[BrowserContext] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def open(self, code: str, path: str = "/") -> Page:
        """A fresh browser (own cookies) signed in as ``code`` by its token link."""
        context = self.browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        self.contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors  # type: ignore[attr-defined]
        joiner = "&" if "?" in path else "?"
        page.goto(f"{self.base_url}{path}{joiner}token={self.tokens[code]}")
        return page

    def api(
        self,
        code: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        draft: str | None = None,
    ) -> Any:
        """Call the HTTP API as ``code`` (for set-up and for checking what the server holds)."""
        response = httpx.request(
            method,
            f"{self.base_url}/api/drafts/{draft or self.draft_id}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[code]}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def paragraph(self, paragraph_id: str, draft: str | None = None) -> dict[str, Any]:
        view = self.api("CHAIR", "GET", "", draft=draft)
        return next(p for p in view["paragraphs"] if p["id"] == paragraph_id)

    def paragraph_when(
        self, paragraph_id: str, check: Callable[[dict[str, Any]], bool], timeout: float = 15
    ) -> dict[str, Any]:
        """The paragraph as the server holds it, once ``check`` holds (a page shows its own
        typing at once; the server has it a round trip later). Fails after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            held = self.paragraph(paragraph_id)
            if check(held):
                return held
            assert time.monotonic() < deadline, f"the server still holds {held}"
            time.sleep(0.05)

    def close_pages(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


def _check_no_token_in_log(server: ServerProcess, tokens: dict[str, str]) -> None:
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    leaked = [code for code, token in tokens.items() if token in log]
    assert not leaked, f"the server log shows the tokens of {leaked}"


@pytest.fixture
def room(tmp_path: Path, browser: Browser) -> Iterator[Room]:
    database_url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    tokens = seed_demo(database_url)
    server = ServerProcess(database_url, tmp_path / "server.log").start()
    opened = Room(server, tokens, browser)
    try:
        yield opened
    finally:
        for context in opened.contexts:
            context.close()
        server.stop()
    _check_no_token_in_log(server, tokens)


TINY_DRAFT = "tiny-crp1"
TINY_PARAGRAPHS = ("tiny-1", "tiny-2")


def seed_tiny_draft(database_url: str) -> None:
    """A second, two-paragraph draft (to bring a whole draft to "all agreed" quickly)."""
    storage = Storage.open(database_url)
    try:
        secretariat = next(d for d in demo.ROSTER if d.code == "SECRETARIAT")
        commands: tuple[cmd.Command, ...] = (
            cmd.CreateDraft(TINY_DRAFT, "Follow-up of the session", "TINY/1"),
            cmd.AddParagraph(TINY_PARAGRAPHS[0], "operative", "Welcomes the report;"),
            cmd.AddParagraph(TINY_PARAGRAPHS[1], "operative", "Decides to meet again."),
        )
        create_draft(storage, commands, secretariat, datetime.now(UTC))
    finally:
        storage.close()


@pytest.fixture(scope="module")
def shared_server(
    tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    """One server for a whole test module (the demo draft and the tiny draft): its tests work on
    different paragraphs, so they can share it and the run stays short."""
    folder = tmp_path_factory.mktemp("shared")
    database_url = f"sqlite:///{folder / 'web.sqlite3'}"
    tokens = seed_demo(database_url)
    seed_tiny_draft(database_url)
    server = ServerProcess(database_url, folder / "server.log").start()
    try:
        yield server, tokens
    finally:
        server.stop()
    _check_no_token_in_log(server, tokens)


@pytest.fixture
def shared(shared_server: tuple[ServerProcess, dict[str, str]], browser: Browser) -> Iterator[Room]:
    """The module's shared server, with fresh browsers for this test (closed after it)."""
    server, tokens = shared_server
    opened = Room(server, tokens, browser)
    try:
        yield opened
    finally:
        opened.close_pages()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot to tests/artifacts/<name>.png (look at them)."""

    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return save
