"""Non-ASCII text: Arabic right to left, Chinese (also through an IME composition) and emoji
land where they are typed — Yjs counts UTF-16 units, the server UTF-8 bytes."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import Room
from tests.web.pages import caret_after, paragraph, rejected, text, type_at_end, wait_live, y_text

ARABIC = "تعزيز التعاون الدولي في مجال الإنترنت"


def test_arabic_paragraph_is_right_to_left_and_takes_arabic_insertions(shared: Room) -> None:
    added = shared.api("CHAIR", "POST", "/paragraphs", {"kind": "operative", "text": ARABIC})
    pid = added["id"]
    bra = shared.open("EGY")
    wait_live(bra)
    editor = text(bra, pid)
    expect(editor).to_have_text(ARABIC)
    assert editor.evaluate("el => el.matches(':dir(rtl)')")
    assert not text(bra, "par-01").evaluate("el => el.matches(':dir(rtl)')")
    caret_after(bra, pid, "التعاون")
    bra.keyboard.type(" الرقمي")
    expect(paragraph(bra, pid).locator(".run.ins")).to_have_text(" الرقمي")
    assert y_text(bra, pid) == "تعزيز التعاون الرقمي الدولي في مجال الإنترنت"
    compiled = "تعزيز التعاون [الرقمي]·EGY الدولي في مجال الإنترنت"
    held = shared.paragraph_when(pid, lambda p: p["compilation"] == compiled)
    assert held["clean"] == ARABIC
    assert rejected(bra) == []


def test_chinese_and_emoji_typing_and_deleting_land_right(shared: Room) -> None:
    chn = shared.open("CHN")
    wait_live(chn)
    caret_after(chn, "par-08", "Invites")
    chn.keyboard.type(" 各国政府😀")
    expect(paragraph(chn, "par-08").locator(".run.ins")).to_have_text(" 各国政府😀")
    chn.keyboard.press("Backspace")  # the emoji goes whole (two UTF-16 units)
    expect(paragraph(chn, "par-08").locator(".run.ins")).to_have_text(" 各国政府")
    chn.keyboard.type("🌍")
    expect(paragraph(chn, "par-08").locator(".run.ins")).to_have_text(" 各国政府🌍")
    clean = shared.paragraph_when(
        "par-08", lambda p: p["compilation"].startswith("Invites [各国政府🌍]·CHN governments")
    )
    assert clean["clean"].startswith("Invites governments")
    assert y_text(chn, "par-08").startswith("Invites 各国政府🌍 governments")
    assert rejected(chn) == []


def test_an_ime_composition_is_applied_once_when_it_ends(shared: Room) -> None:
    chn = shared.open("CHN")
    wait_live(chn)
    type_at_end(chn, "par-11", " ")
    cdp = chn.context.new_cdp_session(chn)
    for step in ("z", "zh", "zhong", "中"):
        cdp.send(
            "Input.imeSetComposition",
            {"text": step, "selectionStart": len(step), "selectionEnd": len(step)},
        )
    cdp.send("Input.insertText", {"text": "中文"})
    expect(paragraph(chn, "par-11").locator(".run.ins")).to_have_text(" 中文", timeout=15_000)
    assert y_text(chn, "par-11").endswith("public policy work; 中文")
    held = shared.paragraph_when("par-11", lambda p: "中文" in p["compilation"])
    assert "zh" not in held["compilation"]
    assert rejected(chn) == []
