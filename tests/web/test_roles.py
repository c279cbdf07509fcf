"""The observer's view, the projector, the silence procedure and the speakers' list."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import Room
from tests.web.pages import paragraph, rejected, text, type_at_end, wait_live, y_text

Shot = Callable[[Page, str], Path]


def test_an_observer_reads_and_its_contribution_reaches_the_chair(
    room: Room, screenshot: Shot
) -> None:
    wiki, chair = room.open("WIKI"), room.open("CHAIR")
    wait_live(wiki)
    wait_live(chair)
    expect(text(wiki, "par-08")).to_have_attribute("contenteditable", "false")
    before = y_text(wiki, "par-08")
    type_at_end(wiki, "par-08", "not allowed")
    expect(wiki.locator(".toast.error").last).to_contain_text("Observers can read the text")
    assert y_text(wiki, "par-08") == before
    assert paragraph(wiki, "par-08").get_by_role("button").count() == 0

    wiki.get_by_label("Your text for the secretariat").fill(
        "Libraries are key public access points to the Internet."
    )
    wiki.get_by_label("About").select_option(label="OP2")
    wiki.get_by_role("button", name="Send contribution").click()
    expect(wiki.locator(".toast.ok").last).to_contain_text("sent to the secretariat")
    screenshot(wiki, "observer")

    inbox = chair.locator("li.contribution")
    expect(inbox).to_contain_text("Libraries are key public access points")
    expect(inbox).to_contain_text("WIKI")
    inbox.get_by_role("button", name="Turn WIKI's contribution into a proposal").click()
    expect(chair.locator("li.contribution")).to_have_count(0)
    proposed = chair.locator("section.paragraph", has_text="Libraries are key public access")
    expect(proposed.locator(".label")).to_have_text("OP2bis")
    expect(proposed.locator(".run.ins")).to_have_count(1)
    assert rejected(wiki) == []


def test_silence_counts_down_and_its_expiry_agrees_the_paragraph(room: Room) -> None:
    chair, bra = room.open("CHAIR"), room.open("BRA")
    wait_live(chair)
    wait_live(bra)
    text(chair, "par-09").click()
    paragraph(chair, "par-09").get_by_role(
        "button", name="Start a silence procedure on OP3"
    ).click()
    chair.get_by_label("Duration").fill("3")
    chair.get_by_label("Unit").select_option("seconds")
    chair.get_by_role("button", name="Start silence").click()
    countdown = paragraph(bra, "par-09").locator(".silence .countdown")
    expect(paragraph(bra, "par-09").locator(".badge")).to_have_text("Under silence")
    expect(countdown).to_have_text(re.compile(r"^0:0[0-3]$"))
    expect(text(bra, "par-09")).to_have_attribute("contenteditable", "false")
    for page in (chair, bra):
        expect(paragraph(page, "par-09").locator(".badge")).to_have_text(
            "Agreed — locked", timeout=15_000
        )
    assert room.paragraph("par-09")["status"] == "agreed"


def test_the_projector_follows_the_chairs_focus_in_large_type(room: Room, screenshot: Shot) -> None:
    chair, bra = room.open("CHAIR"), room.open("BRA")
    wait_live(chair)
    wait_live(bra)
    type_at_end(bra, "par-10", " and least developed countries")
    projector = room.open("IFLA", f"/project?draft={room.draft_id}")
    assert "/project/" in projector.url and "token" not in projector.url
    text(chair, "par-10").click()
    shown = projector.locator(".proj-text")
    expect(shown).to_have_attribute("data-paragraph", "par-10")
    expect(projector.locator(".proj-label .label")).to_have_text("OP4")
    expect(shown.locator(".run.ins")).to_have_text(" and least developed countries")
    expect(shown.locator(".tag")).to_have_attribute("data-tag", "BRA")
    size = shown.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 32
    screenshot(projector, "projector")
    text(chair, "par-12").click()
    expect(shown).to_have_attribute("data-paragraph", "par-12")


def test_speakers_list_queue_floor_and_countdown(room: Room) -> None:
    chair, bra = room.open("CHAIR"), room.open("BRA")
    wait_live(chair)
    wait_live(bra)
    bra.get_by_role("button", name="Ask for the floor").click()
    expect(chair.locator(".queue")).to_contain_text("BRA")
    chair.get_by_role("button", name="Give the floor to BRA").click()
    expect(bra.locator(".floor")).to_contain_text("BRA")
    expect(bra.locator(".floor .countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
    bra.get_by_role("button", name="End intervention").click()
    expect(chair.locator(".speakers")).to_contain_text("Nobody has the floor.")
