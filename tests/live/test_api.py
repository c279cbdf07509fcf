"""The procedure API end to end: every command reachable, typed errors, serialized races."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from client.live import LiveClient
from tests.live.conftest import Demo


def bearer(client: LiveClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token}"}


async def test_openapi_schema_lists_every_procedure_route(demo_server: Demo) -> None:
    async with httpx.AsyncClient(base_url=demo_server.server.base_url) as http:
        schema = (await http.get("/openapi.json")).json()
    paths = schema["paths"]
    for path in ("/consensus", "/objections", "/silence", "/adopt", "/speakers/next"):
        assert "/api/drafts/{draft}" + path in paths
    assert "409" in paths["/api/drafts/{draft}/consensus"]["post"]["responses"]


async def test_bad_requests_get_typed_errors(demo_server: Demo) -> None:
    base = f"{demo_server.server.base_url}/api/drafts/{demo_server.draft_id}"
    headers = {"Authorization": f"Bearer {demo_server.tokens['BRA']}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        cases = [
            (await http.post("/objections", content=b"{not json"), 400, "bad_request"),
            (
                await http.post("/objections", json={"target": "paragraph:nope"}),
                404,
                "unknown_paragraph",
            ),
            (await http.post("/objections", json={"target": "nonsense"}), 422, "invalid"),
            (await http.post("/objections", content=b"x" * 300_000), 413, "too_large"),
            (await http.post("/adopt"), 403, "forbidden"),
        ]
        anonymous = await httpx.AsyncClient().post(base + "/objections", json={})
    cases.append((anonymous, 401, "unauthenticated"))
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)


async def test_racing_objection_and_consensus_are_serialized(connect: Any) -> None:
    member: LiveClient = await connect("BRA")
    chair: LiveClient = await connect("CHAIR")
    for n in range(12, 20):
        target = f"paragraph:par-{n:02d}"
        (obj_status, _), (call_status, _) = await asyncio.gather(
            member.api("POST", "/objections", {"target": target}),
            chair.api("POST", "/consensus", {"target": target}),
        )
        # Either the objection came first (the call fails) or the agreement did (the
        # objection is refused): never both accepted.
        assert sorted([obj_status, call_status]) == [200, 409]
    _, record = await chair.api("GET", "/events")
    seqs = [e["seq"] for e in record["events"]]
    assert seqs == list(range(1, len(seqs) + 1))


async def test_speakers_contributions_ad_referendum_and_adoption(connect: Any) -> None:
    chair: LiveClient = await connect("CHAIR")
    member: LiveClient = await connect("BRA")
    observer: LiveClient = await connect("WIKI")

    assert (await member.api("POST", "/speakers"))[0] == 200
    status, _ = await chair.api("POST", "/speakers/next", {"seconds": 90})
    assert status == 200
    await member.wait_for(lambda: member.live.speakers.get("floor") == "BRA")

    status, contribution = await observer.api(
        "POST", "/contributions", {"text": "Libraries are key to meaningful access."}
    )
    assert status == 200
    status, taken = await chair.api(
        "POST", f"/contributions/{contribution['id']}/take-up", {"after": "par-20"}
    )
    assert status == 200
    await member.wait_for(lambda: taken["id"] in member.amendments())
    assert member.amendments()[taken["id"]]["proposer"] == "WIKI"
    assert (await chair.api("POST", f"/amendments/{taken['id']}/reject"))[0] == 200

    status, _ = await chair.api("POST", "/paragraphs/par-01/ad-referendum", {"pending": ["BRA"]})
    assert status == 200
    assert (await member.api("POST", "/paragraphs/par-01/confirm"))[0] == 200
    await member.wait_for(lambda: member.paragraph("par-01").get("status") == "agreed")

    status, refused = await chair.api("POST", "/adopt")
    assert (status, refused["error"]["code"]) == (409, "not_all_agreed")
    for n in range(2, 21):
        assert (await chair.api("POST", "/consensus", {"target": f"paragraph:par-{n:02d}"}))[
            0
        ] == 200
    assert (await chair.api("POST", "/adopt"))[0] == 200
    await member.wait_for(lambda: member.live.meta.get("state") == "adopted")
    async with httpx.AsyncClient(base_url=chair.base_url, headers=bearer(chair)) as http:
        listed = (await http.get("/api/drafts")).json()["drafts"]
    assert [d["state"] for d in listed] == ["adopted"]


async def test_secretariat_moves_and_relabels_paragraphs_for_everyone(connect: Any) -> None:
    secretariat: LiveClient = await connect("SECRETARIAT")
    member: LiveClient = await connect("BRA")
    text = member.text("par-20")
    status, _ = await secretariat.api("POST", "/paragraphs/par-20/move", {"after": "par-06"})
    assert status == 200
    await member.wait_for(lambda: member.paragraph_ids()[6] == "par-20")
    assert member.text("par-20") == text
    status, _ = await secretariat.api("POST", "/paragraphs/par-20/relabel", {"label": "OP0"})
    assert status == 200
    await member.wait_for(lambda: member.paragraph("par-20").get("label") == "OP0")
    status, body = await member.api("POST", "/paragraphs/par-01/move", {"after": "par-02"})
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_the_roster_lists_delegations_by_constituency_without_tokens(
    demo_server: Demo,
) -> None:
    headers = {"Authorization": f"Bearer {demo_server.tokens['WIKI']}"}
    async with httpx.AsyncClient(base_url=demo_server.server.base_url, headers=headers) as http:
        roster = (await http.get("/api/delegations")).json()["delegations"]
    by_code = {d["code"]: d for d in roster}
    assert len(roster) == 46
    assert by_code["ISOC"] == {
        "code": "ISOC", "name": "Internet Society", "role": "member",
        "constituency": "technical_academic",
    }  # fmt: skip
    assert not any(token in str(roster) for token in demo_server.tokens.values())
