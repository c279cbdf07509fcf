"""The full procedural round trip over a real server: object, fail, withdraw, agree, lock."""

from __future__ import annotations

from functools import partial
from typing import Any

from client.live import LiveClient

P = "par-07"


async def test_objection_blocks_until_withdrawn_then_agreed_paragraph_locks_everywhere(
    connect: Any,
) -> None:
    member: LiveClient = await connect("BRA")
    chair: LiveClient = await connect("CHAIR")
    observer: LiveClient = await connect("WIKI")

    status, objection = await member.api(
        "POST", "/objections", {"target": f"paragraph:{P}", "reason": "needs work"}
    )
    assert status == 200
    status, failed = await chair.api("POST", "/consensus", {"target": f"paragraph:{P}"})
    assert status == 409
    assert failed["error"]["code"] == "no_consensus"
    assert failed["error"]["blockers"] == [{"delegation": "BRA", "objection": objection["id"]}]
    status, record = await observer.api("GET", "/events")
    assert record["events"][-1]["type"] == "consensus_not_reached"  # the call is on the record
    assert record["events"][-1]["payload"]["objectors"] == ["BRA"]

    status, _ = await member.api("DELETE", f"/objections/{objection['id']}")
    assert status == 200
    status, agreed = await chair.api("POST", "/consensus", {"target": f"paragraph:{P}"})
    assert (status, agreed["outcome"]) == (200, "agreed")

    for client in (member, chair, observer):
        await client.wait_for(partial(lambda c: c.paragraph(P).get("status") == "agreed", client))

    before = member.text(P)
    member.insert(P, 0, "Also ", "BRA-late")
    await member.wait_for(lambda: any(n.get("code") == "paragraph_locked" for n in member.notices))
    await member.wait_for(lambda: member.text(P) == before)
    chair.insert_plain(P, 0, "Chair ")
    await chair.wait_for(lambda: sum(n.get("type") == "rejected" for n in chair.notices) == 1)
    await chair.wait_for(lambda: chair.text(P) == before)
    assert observer.text(P) == before
    status, view = await observer.api("GET", "")
    assert status == 200
    assert next(p for p in view["paragraphs"] if p["id"] == P)["status"] == "agreed"


async def test_typed_insertion_becomes_an_amendment_that_consensus_accepts(connect: Any) -> None:
    member: LiveClient = await connect("BRA")
    other: LiveClient = await connect("USA")
    chair: LiveClient = await connect("CHAIR")
    original = member.text(P)
    member.insert(P, 0, "Strongly ", "BRA-s1")
    await other.wait_for(lambda: other.amendments().get("BRA-s1", {}).get("proposer") == "BRA")
    status, _ = await other.api("POST", "/amendments/BRA-s1/support")
    assert status == 200
    status, view = await chair.api("GET", "")
    paragraph = next(p for p in view["paragraphs"] if p["id"] == P)
    assert paragraph["compilation"].startswith("[Strongly]·BRA,USA ")
    assert paragraph["clean"] == original

    status, accepted = await chair.api("POST", "/consensus", {"target": "amendment:BRA-s1"})
    assert (status, accepted["outcome"]) == (200, "accepted")
    await other.wait_for(lambda: other.runs(P)[0].attrs == {})
    assert other.text(P) == "Strongly " + original


async def test_member_cannot_call_consensus_and_gets_a_typed_error(connect: Any) -> None:
    member: LiveClient = await connect("BRA")
    status, body = await member.api("POST", "/consensus", {"target": f"paragraph:{P}"})
    assert status == 403
    assert body["error"]["code"] == "forbidden"
    status, body = await member.api("POST", "/consensus", {"target": "paragraph:nope"})
    assert (status, body["error"]["code"]) == (403, "forbidden")
