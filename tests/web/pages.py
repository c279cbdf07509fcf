"""What the tests do on a page, in the user's terms (locators, typing, waiting for "Live")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def paragraph(page: Page, paragraph_id: str) -> Locator:
    return page.locator(f"section[data-paragraph='{paragraph_id}']")


def text(page: Page, paragraph_id: str) -> Locator:
    return paragraph(page, paragraph_id).locator(".text")


def wait_live(page: Page) -> None:
    """Signed in, synced, and the demo draft on screen."""
    expect(page.locator(".conn")).to_have_text("Live")
    expect(text(page, "par-20")).to_contain_text("Economic and Social Council")


def caret_at_end(page: Page, paragraph_id: str) -> None:
    text(page, paragraph_id).click()
    page.keyboard.press("Control+End")


def type_at_end(page: Page, paragraph_id: str, typed: str) -> None:
    caret_at_end(page, paragraph_id)
    page.keyboard.type(typed)


def caret_after(page: Page, paragraph_id: str, words: str) -> None:
    """Put the caret right after the first occurrence of ``words`` in the paragraph."""
    text(page, paragraph_id).click()
    page.evaluate(
        """([pid, words]) => {
            const app = window.rollingText;
            const card = app.cards.get(pid);
            const at = card.text.toString().indexOf(words) + words.length;
            card.editor.setCaret(at);
        }""",
        [paragraph_id, words],
    )


def rejected(page: Page) -> list[dict[str, str]]:
    """The edits the server reverted for this page (the client must never send one)."""
    return list(page.evaluate("window.rollingText.rejected"))


def y_text(page: Page, paragraph_id: str) -> str:
    """The paragraph's Y.Text as this browser holds it."""
    return str(
        page.evaluate("pid => window.rollingText.cards.get(pid).text.toString()", paragraph_id)
    )


def set_caret(page: Page, paragraph_id: str, index: int) -> None:
    """Put the caret at a Y.Text index (negative: from the end) and focus the paragraph."""
    text(page, paragraph_id).click()
    page.evaluate(
        """([pid, index]) => {
            const card = window.rollingText.cards.get(pid);
            card.editor.setCaret(index < 0 ? card.text.length + index : index);
        }""",
        [paragraph_id, index],
    )
