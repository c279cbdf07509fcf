"""The browser client in a real browser: Debian's chromium driven by Playwright, against a real
server over the demo draft. Skipped, with the reason shown, when chromium, Playwright or the
built client (client/web/dist) is missing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from drafting import demo
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


@pytest.fixture(scope="session")
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

    def api(self, code: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the HTTP API as ``code`` (for set-up and for checking what the server holds)."""
        response = httpx.request(
            method,
            f"{self.base_url}/api/drafts/{self.draft_id}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[code]}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def paragraph(self, paragraph_id: str) -> dict[str, Any]:
        view = self.api("CHAIR", "GET", "")
        return next(p for p in view["paragraphs"] if p["id"] == paragraph_id)


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
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    leaked = [code for code, token in tokens.items() if token in log]
    assert not leaked, f"the server log shows the tokens of {leaked}"


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot to tests/artifacts/<name>.png (look at them)."""

    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return save
