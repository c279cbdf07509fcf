"""Two members and the Chair negotiate one paragraph, each in their own browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import Room
from tests.web.pages import (
    paragraph,
    rejected,
    set_caret,
    text,
    type_at_end,
    wait_live,
    y_text,
)

Shot = Callable[[Page, str], Path]
PAR = "par-07"  # OP1


def test_sign_in_link_leaves_no_token_in_the_address_bar(room: Room, screenshot: Shot) -> None:
    page = room.open("BRA")
    wait_live(page)
    assert "token" not in page.url
    expect(page.locator(".me")).to_contain_text("BRA")
    page.reload()  # the cookie signs in again, without the link
    wait_live(page)
    expect(paragraph(page, "par-01").locator(".label")).to_have_text("PP1")
    expect(paragraph(page, "par-07").locator(".badge")).to_have_text("Open")
    screenshot(page, "member")
    assert not page.errors  # type: ignore[attr-defined]


def test_insertion_objection_consensus_and_lock_on_every_screen(
    room: Room, screenshot: Shot
) -> None:
    bra, usa, chair = room.open("BRA"), room.open("USA"), room.open("CHAIR")
    for page in (bra, usa, chair):
        wait_live(page)

    # A types an insertion: it shows bracketed, tagged BRA, on B's and the Chair's screens.
    type_at_end(bra, PAR, " in good faith")
    for page in (bra, usa, chair):
        inserted = paragraph(page, PAR).locator(".run.ins")
        expect(inserted).to_have_text(" in good faith")
        expect(paragraph(page, PAR).locator(".tag")).to_have_attribute("data-tag", "BRA")
    amendment = paragraph(usa, PAR).locator("li.amendment")
    expect(amendment).to_contain_text("BRA")

    # B objects, with a reason.
    amendment.get_by_role("button", name=re.compile("^Object to BRA")).click()
    usa.get_by_label("Reason (read out to the room)").fill("Not agreed language")
    usa.get_by_role("button", name="Object", exact=True).click()
    expect(paragraph(chair, PAR).locator("li.amendment")).to_contain_text(
        "Objected to by 1 — Member States: USA"
    )

    # The Chair's consensus call names B as the blocker, right at the paragraph.
    chair_amendment = paragraph(chair, PAR).locator("li.amendment")
    chair_amendment.get_by_role("button", name=re.compile("^Call consensus to accept")).click()
    blockers = paragraph(chair, PAR).locator(".blockers")
    expect(blockers.locator("[data-blocker='USA']")).to_contain_text("Not agreed language")
    blockers.scroll_into_view_if_needed()
    screenshot(chair, "chair-blockers")

    # B withdraws; the amendment is accepted; then the paragraph is agreed.
    paragraph(usa, PAR).get_by_role("button", name=re.compile("^Withdraw my objection")).click()
    expect(paragraph(chair, PAR).locator("li.amendment")).to_contain_text("No objection")
    chair_amendment.get_by_role("button", name=re.compile("^Call consensus to accept")).click()
    for page in (bra, usa, chair):
        expect(paragraph(page, PAR).locator(".run.ins")).to_have_count(0)
        expect(text(page, PAR)).to_contain_text("duplication of effort; in good faith")
    text(chair, PAR).click()
    paragraph(chair, PAR).get_by_role("button", name="Call consensus on OP1").click()

    # Locked on every screen; typing in it changes nothing.
    for page in (bra, usa, chair):
        expect(paragraph(page, PAR).locator(".badge")).to_have_text("Agreed — locked")
        expect(text(page, PAR)).to_have_attribute("contenteditable", "false")
    before = y_text(bra, PAR)
    type_at_end(bra, PAR, "xyz")
    bra.keyboard.press("Backspace")
    expect(bra.locator(".toast.error").last).to_contain_text("agreed and locked")
    assert y_text(bra, PAR) == before
    assert "xyz" not in room.paragraph(PAR)["clean"]
    paragraph(bra, PAR).scroll_into_view_if_needed()
    screenshot(bra, "agreed-locked")
    for page in (bra, usa, chair):
        assert rejected(page) == []
        assert not page.errors  # type: ignore[attr-defined]


def test_a_member_cannot_touch_another_delegations_bracket(room: Room) -> None:
    bra, usa = room.open("BRA"), room.open("USA")
    wait_live(bra)
    wait_live(usa)
    type_at_end(bra, PAR, " fully")
    expect(paragraph(usa, PAR).locator(".run.ins")).to_have_text(" fully")
    # B's caret inside A's bracket: typing and deleting there are refused locally.
    set_caret(usa, PAR, -2)
    usa.keyboard.type("q")
    expect(usa.locator(".toast.error").last).to_contain_text("inside BRA's bracket")
    usa.keyboard.press("Backspace")
    expect(usa.locator(".toast.error").last).to_contain_text("another delegation's proposal")
    assert y_text(usa, PAR).endswith("effort; fully")
    # Deleting base text marks it struck through as B's proposal, instead of deleting it.
    set_caret(usa, PAR, len("Recommends"))
    for _ in range(len("Recommends")):
        usa.keyboard.press("Backspace")
    struck = paragraph(bra, PAR).locator(".run.del")
    expect(struck).to_have_text("Recommends")
    expect(paragraph(bra, PAR).locator(".tag").first).to_have_attribute("data-tag", "USA")
    # B types a replacement right after the struck words: one amendment, "[~~old~~ new]".
    usa.keyboard.type("Urges")
    expect(paragraph(bra, PAR).locator(".run.ins").first).to_have_text("Urges")
    view = room.api("CHAIR", "GET", "")
    pending = [a for a in view["amendments"] if a["status"] == "pending"]
    assert sorted(a["proposer"] for a in pending) == ["BRA", "USA"]
    compilation = room.paragraph(PAR)["compilation"]
    assert "Recommends" in compilation and "Urges" in compilation
    assert rejected(usa) == [] and rejected(bra) == []


def test_edits_made_offline_merge_on_reconnection(room: Room) -> None:
    bra, usa = room.open("BRA"), room.open("USA")
    wait_live(bra)
    wait_live(usa)
    bra.evaluate("window.rollingText.live.provider.disconnect()")
    expect(bra.locator(".conn")).to_contain_text("Offline")
    type_at_end(bra, "par-13", " while offline")
    type_at_end(usa, "par-13", " meanwhile")
    expect(paragraph(usa, "par-13").locator(".run.ins")).to_have_text(" meanwhile")
    bra.evaluate("window.rollingText.live.provider.connect()")
    expect(bra.locator(".conn")).to_have_text("Live")
    for page in (bra, usa):
        expect(paragraph(page, "par-13").locator(".run.ins")).to_have_count(2)
        expect(text(page, "par-13")).to_contain_text(" while offline")
        expect(text(page, "par-13")).to_contain_text(" meanwhile")
    assert rejected(bra) == [] and rejected(usa) == []
