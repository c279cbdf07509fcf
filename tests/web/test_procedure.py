"""The procedure around the text, in real browsers, on one server shared by this module: support
(grouped by constituency), proposing by rewriting, reservations, ad referendum, adoption,
others' cursors, undo/redo of one's own edits and contributions turned into amendments.

Each test works on its own paragraph (or the tiny second draft), so they can share the server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.conftest import TINY_DRAFT, TINY_PARAGRAPHS, Room
from tests.web.pages import (
    caret_after,
    paragraph,
    rejected,
    set_caret,
    text,
    type_at_end,
    wait_live,
    y_text,
)

Shot = Callable[[Page, str], Path]


def no_rejections(*pages: Page) -> None:
    for page in pages:
        assert rejected(page) == []
        assert not page.errors  # type: ignore[attr-defined]


def test_support_and_withdrawn_support_show_on_other_screens_by_constituency(
    shared: Room, screenshot: Shot
) -> None:
    pid = "par-14"  # OP8
    bra, usa, chair = shared.open("BRA"), shared.open("USA"), shared.open("CHAIR")
    for page in (bra, usa, chair):
        wait_live(page)
    type_at_end(bra, pid, " and accessibility")
    row = paragraph(usa, pid).locator("li.amendment")
    expect(row).to_contain_text("No supporters yet")
    amendment_id = row.get_attribute("data-amendment")
    assert amendment_id
    row.get_by_role("button", name="Support BRA's amendment").click()
    shared.api("APC", "POST", f"/amendments/{amendment_id}/support", {})
    shared.api("ICC", "POST", f"/amendments/{amendment_id}/support", {})
    supported = "Supported by 3 — Member States: USA · Civil society: APC · Business: ICC"
    for page in (bra, chair):
        expect(paragraph(page, pid).locator("li.amendment .support")).to_have_text(supported)
    # the supporters also tag the bracket
    expect(paragraph(chair, pid).locator(".tag")).to_have_attribute("data-tag", "BRA,USA,APC,ICC")
    paragraph(chair, pid).scroll_into_view_if_needed()
    screenshot(chair, "chair-supporters")

    row.get_by_role("button", name="Withdraw support for BRA's amendment").click()
    for page in (bra, chair):
        expect(paragraph(page, pid).locator("li.amendment .support")).to_have_text(
            "Supported by 2 — Civil society: APC · Business: ICC"
        )
    expect(row.get_by_role("button", name="Support BRA's amendment")).to_be_visible()
    record = next(
        a for a in shared.api("CHAIR", "GET", "")["amendments"] if a["id"] == amendment_id
    )
    assert sorted(record["supporters"]) == ["APC", "ICC"]
    no_rejections(bra, usa, chair)


def test_propose_by_rewriting_shows_a_redline_and_brackets_on_other_screens(shared: Room) -> None:
    pid = "par-15"  # OP9
    bra, usa = shared.open("BRA"), shared.open("USA")
    wait_live(bra)
    wait_live(usa)
    text(bra, pid).click()
    paragraph(bra, pid).get_by_role("button", name="Propose changes to OP9 by rewriting it").click()
    area = bra.get_by_label("Rewrite the text; each change becomes your bracketed amendment")
    before = area.input_value()
    assert before.startswith("Invites the Commission")
    area.fill(before.replace("Invites", "Requests").replace("under review", "under close review"))
    preview = bra.locator("dialog .redline")
    expect(preview.locator("del")).to_have_text(["Invites"])
    expect(preview.locator("ins")).to_have_text(["Requests", "close "])
    bra.get_by_role("button", name="Propose these changes").click()
    for page in (usa, bra):
        inserted = paragraph(page, pid).locator(".run.ins")
        expect(inserted).to_have_count(2)
        expect(paragraph(page, pid).locator(".run.del")).to_contain_text(["Invites"])
        tags = paragraph(page, pid).locator(".tag")
        for i in range(tags.count()):
            expect(tags.nth(i)).to_have_attribute("data-tag", "BRA")
    compilation = shared.paragraph(pid)["compilation"]
    assert "Requests" in compilation and "close" in compilation
    assert shared.paragraph(pid)["clean"].startswith("Invites the Commission")
    no_rejections(bra, usa)


def test_a_reservation_is_on_the_record(shared: Room) -> None:
    pid = "par-16"  # OP10
    ind, chair = shared.open("IND"), shared.open("CHAIR")
    wait_live(ind)
    wait_live(chair)
    text(ind, pid).click()
    paragraph(ind, pid).get_by_role("button", name="Enter a reservation on OP10").click()
    words = "India reserves its position on the repository's scope."
    ind.get_by_label("Explanation of position (does not block consensus)").fill(words)
    ind.get_by_role("button", name="Enter reservation").click()
    expect(ind.locator(".toast.ok").last).to_contain_text("reservation is on the record")
    expect(paragraph(chair, pid).locator(".reservations")).to_contain_text(f"IND: “{words}”")
    events = shared.api("CHAIR", "GET", "/events")["events"]
    assert any(words in str(event) and "IND" in str(event) for event in events), events[-3:]
    no_rejections(ind, chair)


def test_ad_referendum_pending_a_delegation_then_confirmed(shared: Room) -> None:
    pid = "par-17"  # OP11
    chair, bra, usa = shared.open("CHAIR"), shared.open("BRA"), shared.open("USA")
    for page in (chair, bra, usa):
        wait_live(page)
    text(chair, pid).click()
    paragraph(chair, pid).get_by_role("button", name="Ad referendum…").click()
    chair.get_by_label("Pending confirmation by (codes, comma separated)").fill("bra")
    chair.get_by_role("button", name="Agree ad ref").click()
    for page in (chair, bra, usa):
        expect(paragraph(page, pid).locator(".badge")).to_have_text("Agreed ad ref")
        expect(paragraph(page, pid).locator(".adref")).to_have_text("pending BRA")
        expect(text(page, pid)).to_have_attribute("contenteditable", "false")
    text(usa, pid).click()
    expect(paragraph(usa, pid).get_by_role("button", name="Confirm agreement")).to_have_count(0)
    text(bra, pid).click()
    paragraph(bra, pid).get_by_role("button", name="Confirm agreement").click()
    for page in (chair, bra, usa):
        expect(paragraph(page, pid).locator(".badge")).to_have_text("Agreed — locked")
    assert shared.paragraph(pid)["status"] == "agreed"
    no_rejections(chair, bra, usa)


def test_adopt_is_enabled_only_when_every_paragraph_is_agreed(
    shared: Room, screenshot: Shot
) -> None:
    first, second = TINY_PARAGRAPHS
    chair = shared.open("CHAIR", f"/?draft={TINY_DRAFT}")
    bra = shared.open("BRA", f"/?draft={TINY_DRAFT}")
    for page in (chair, bra):
        expect(page.locator(".conn")).to_have_text("Live")
        expect(text(page, second)).to_contain_text("Decides to meet again.")
    adopt = chair.get_by_role("button", name="Adopt the draft")
    expect(adopt).to_be_disabled()
    shared.api("CHAIR", "POST", "/consensus", {"target": f"paragraph:{first}"}, draft=TINY_DRAFT)
    expect(paragraph(chair, first).locator(".badge")).to_have_text("Agreed — locked")
    expect(adopt).to_be_disabled()
    text(chair, second).click()
    label = shared.paragraph(second, draft=TINY_DRAFT)["label"]
    paragraph(chair, second).get_by_role("button", name=f"Call consensus on {label}").click()
    expect(adopt).to_be_enabled()
    chair.once("dialog", lambda dialog: dialog.accept())
    adopt.click()
    for page in (chair, bra):
        expect(page.locator(".top .badge.agreed")).to_have_text("Adopted")
    expect(adopt).to_be_disabled()
    screenshot(chair, "chair-adopted")
    view = shared.api("CHAIR", "GET", "", draft=TINY_DRAFT)
    assert view.get("state") == "adopted", {k: v for k, v in view.items() if k != "paragraphs"}
    no_rejections(chair, bra)


def test_other_delegations_cursors_show_without_covering_bracket_tags(
    shared: Room, screenshot: Shot
) -> None:
    pid = "par-18"  # OP12
    bra, chair = shared.open("BRA"), shared.open("CHAIR")
    wait_live(bra)
    wait_live(chair)
    caret_after(bra, pid, "Encourages regional")
    bra.keyboard.type(" and subregional")
    cursor = paragraph(chair, pid).locator(".cursor[data-who='BRA']")
    expect(cursor).to_have_count(1)
    expect(paragraph(chair, pid).locator(".here .chip")).to_contain_text(["BRA"])
    tag = paragraph(chair, pid).locator(".tag")
    expect(tag).to_have_attribute("data-tag", "BRA")
    label = cursor.locator(".who")
    # The name is not painted over the text (and its bracket tag) until the pointer asks for it…
    expect(label).to_have_css("opacity", "0")
    paragraph(chair, pid).scroll_into_view_if_needed()
    screenshot(chair, "chair-cursor")
    # …and then it sits above the line, clear of the tag.
    text(chair, pid).hover()
    expect(label).to_have_css("opacity", "1")
    label_box, tag_box = label.bounding_box(), tag.bounding_box()
    assert label_box and tag_box
    assert label_box["y"] + label_box["height"] <= tag_box["y"] + 1, (label_box, tag_box)
    screenshot(chair, "chair-cursor-hover")
    # The caret follows when BRA moves.
    set_caret(bra, pid, 0)
    expect(cursor).to_have_count(1)
    # Presence arrives in the next room tick: wait (bounded) for the caret to reach the start.
    chair.wait_for_function(
        """([pid]) => {
            const section = document.querySelector(`section[data-paragraph='${pid}']`);
            const caret = section?.querySelector(".cursor[data-who='BRA']");
            const start = section?.querySelector(".text");
            if (!caret || !start) return false;
            return caret.getBoundingClientRect().x - start.getBoundingClientRect().x < 20;
        }""",
        arg=[pid],
        timeout=10_000,
    )
    no_rejections(bra, chair)


def test_undo_and_redo_only_ever_touch_ones_own_edits(shared: Room) -> None:
    pid = "par-19"  # OP13
    bra, usa = shared.open("BRA"), shared.open("USA")
    wait_live(bra)
    wait_live(usa)
    base = y_text(usa, pid)
    # Undo the last typing step: those words go (on the other screen too); redo brings them back.
    type_at_end(bra, pid, " and")
    bra.wait_for_timeout(700)  # a pause: the next typing is a new undo step
    bra.keyboard.type(" inclusiveness")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_text(" and inclusiveness")
    bra.keyboard.press("Control+z")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_text(" and")
    bra.keyboard.press("Control+Shift+z")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_text(" and inclusiveness")
    # Undo everything: the amendment is emptied, so the server withdraws it — and redo, which
    # would bring text back under the withdrawn amendment, is not offered.
    bra.keyboard.press("Control+z")
    bra.keyboard.press("Control+z")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_count(0)
    assert y_text(bra, pid) == base
    bra.keyboard.press("Control+Shift+z")
    expect(bra.locator(".toast.error").last).to_contain_text("Nothing to redo")
    type_at_end(bra, pid, " and inclusiveness")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_text(" and inclusiveness")
    # Undo a deletion inside one's own insertion: the letters come back inside the bracket.
    bra.wait_for_timeout(700)  # a new undo step
    for _ in range(len("inclusiveness")):
        bra.keyboard.press("Backspace")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_text(" and ")
    bra.wait_for_timeout(700)
    bra.keyboard.press("Control+z")
    expect(paragraph(usa, pid).locator(".run.ins")).to_have_text(" and inclusiveness")
    # Undo a deletion of base text: the strike-through mark (BRA's) goes, the text stays.
    bra.wait_for_timeout(700)
    set_caret(bra, pid, len("Underlines"))
    for _ in range(len("Underlines")):
        bra.keyboard.press("Backspace")
    expect(paragraph(usa, pid).locator(".run.del")).to_have_text("Underlines")
    bra.keyboard.press("Control+z")
    expect(paragraph(usa, pid).locator(".run.del")).to_have_count(0)
    bra.keyboard.press("Control+y")  # redo, the Windows way: that deletion was withdrawn
    expect(bra.locator(".toast.error").last).to_contain_text("Nothing to redo")
    expect(paragraph(usa, pid).locator(".run.del")).to_have_count(0)
    # The other delegation's undo has nothing of BRA's to take back.
    set_caret(usa, pid, -3)
    usa.keyboard.press("Control+z")
    expect(usa.locator(".toast.error").last).to_contain_text("Nothing of yours to undo")
    expect(paragraph(bra, pid).locator(".run.ins")).to_have_text(" and inclusiveness")
    # What the server holds: only BRA's insertion is pending, base text untouched.
    held = shared.paragraph(pid)
    assert held["clean"] == base
    assert held["compilation"].endswith("[and inclusiveness]·BRA"), held["compilation"]
    no_rejections(bra, usa)


def test_a_contribution_becomes_an_amendment_to_its_paragraph(shared: Room) -> None:
    pid = "par-05"  # PP5
    wiki, chair = shared.open("WIKI"), shared.open("CHAIR")
    wait_live(wiki)
    wait_live(chair)
    wiki.get_by_label("Your text for the secretariat").fill("and the linguistic divide")
    wiki.get_by_label("About").select_option(label="PP5")
    wiki.get_by_role("button", name="Send contribution").click()
    inbox = chair.locator("li.contribution", has_text="and the linguistic divide")
    inbox.get_by_role(
        "button", name="Propose WIKI's contribution as an insertion at the end of PP5"
    ).click()
    expect(inbox).to_have_count(0)
    # The amendment is WIKI's, pending, on PP5 — on the Chair's and the observer's screens.
    # (The server records a taken-up text amendment without placing its words in the text yet:
    # see the report; the bracket check follows once it does.)
    for page in (chair, wiki):
        expect(paragraph(page, pid).locator("li.amendment")).to_contain_text("WIKI")
    amendments = [a for a in shared.api("CHAIR", "GET", "")["amendments"] if a["paragraph"] == pid]
    assert [(a["proposer"], a["status"]) for a in amendments] == [("WIKI", "pending")]
    no_rejections(wiki, chair)


def test_keyboard_reaches_named_controls_with_a_visible_focus_ring(shared: Room) -> None:
    bra = shared.open("BRA")
    wait_live(bra)
    # A few controls by role and accessible name.
    from playwright.sync_api import expect as check

    check(bra.get_by_role("checkbox", name="Clean text")).to_be_visible()
    check(bra.get_by_role("button", name="Sign out")).to_be_visible()
    check(bra.get_by_role("button", name="Ask for the floor")).to_be_visible()
    check(bra.get_by_role("textbox", name="Text of OP1", exact=True)).to_be_visible()
    check(bra.get_by_role("textbox", name="Your text for the secretariat")).to_be_visible()
    check(bra.get_by_role("status").filter(has_text="Live")).to_be_visible()
    # Messages are announced: the toasts live in an aria-live region.
    text(bra, "par-01").click()
    bra.keyboard.press("Enter")
    region = bra.locator(".toasts")
    check(region).to_have_attribute("aria-live", "polite")
    check(region).to_contain_text("A paragraph is one block of text")
    # Tab from the top: every stop has a name and a visible focus ring; the paragraph's
    # actions are reached after its text.
    bra.locator(".top h1").click()  # start from the top of the page
    bra.keyboard.press("Tab")  # into the header
    stops: list[dict[str, str]] = []
    for _ in range(40):
        stops.append(
            bra.evaluate(
                """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                const labelled = el.getAttribute('aria-labelledby');
                const name = (el.getAttribute('aria-label')
                    || (labelled && document.getElementById(labelled)?.textContent)
                    || (el.labels && el.labels[0] && el.labels[0].textContent)
                    || el.textContent || '').trim();
                const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
                    || style.boxShadow.includes('inset');
                return {tag: el.tagName, name: name.slice(0, 60), ring: String(ring),
                        k: el.dataset.k || ''};
            }"""
            )
        )
        bra.keyboard.press("Tab")
    assert all(stop["name"] for stop in stops), [s for s in stops if not s["name"]]
    assert all(stop["ring"] == "true" for stop in stops), [s for s in stops if s["ring"] != "true"]
    names = [stop["name"] for stop in stops]
    assert "Clean text" in names[0]
    assert "Text of PP1" in names
    after_pp1 = names[names.index("Text of PP1") + 1 :]
    assert "Enter a reservation on PP1" in after_pp1
