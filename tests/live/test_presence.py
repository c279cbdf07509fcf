"""Presence (awareness) is relayed, stamped with the sender's delegation, and cannot be spoofed."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets

from server import wire
from tests.live.conftest import Demo


async def _next_awareness(ws: websockets.ClientConnection) -> list[wire.AwarenessEntry]:
    while True:
        frame = await asyncio.wait_for(ws.recv(), 10)
        assert isinstance(frame, bytes)
        message = wire.parse(frame)
        if isinstance(message, wire.Awareness):
            return list(wire.awareness_entries(message.payload))


async def test_awareness_is_stamped_with_the_senders_delegation(demo_server: Demo) -> None:
    sender_url = demo_server.client("BRA").sync_url
    watcher_url = demo_server.client("USA").sync_url
    async with websockets.connect(watcher_url) as watcher, websockets.connect(sender_url) as bra:
        claim = {"focus": "par-03", "delegation": {"code": "CHAIR", "role": "chair"}}
        entry = wire.AwarenessEntry(4242, 1, json.dumps(claim))
        await bra.send(wire.awareness_frame(wire.awareness_update([entry])))
        (seen,) = await _next_awareness(watcher)
    state = json.loads(seen.state)
    assert seen.client == 4242
    assert state["focus"] == "par-03"
    assert state["delegation"] == {"code": "BRA", "name": "Brazil", "role": "member"}


async def test_a_client_cannot_overwrite_another_connections_presence(demo_server: Demo) -> None:
    urls = [demo_server.client(code).sync_url for code in ("BRA", "CHN", "USA")]
    async with (
        websockets.connect(urls[0]) as bra,
        websockets.connect(urls[1]) as chn,
        websockets.connect(urls[2]) as usa,
    ):
        own = wire.AwarenessEntry(77, 1, json.dumps({"focus": "par-01"}))
        await bra.send(wire.awareness_frame(wire.awareness_update([own])))
        await _next_awareness(usa)
        hijack = wire.AwarenessEntry(77, 5, json.dumps({"focus": "par-09"}))
        mine = wire.AwarenessEntry(88, 1, json.dumps({"focus": "par-02"}))
        await chn.send(wire.awareness_frame(wire.awareness_update([hijack, mine])))
        relayed = await _next_awareness(usa)
    assert [(e.client, json.loads(e.state)["delegation"]["code"]) for e in relayed] == [(88, "CHN")]


async def test_sign_in_trades_the_token_for_an_http_only_cookie(demo_server: Demo) -> None:
    async with httpx.AsyncClient(base_url=demo_server.server.base_url) as http:
        refused = await http.post("/api/session", json={"token": "nope"})
        assert refused.status_code == 401
        signed_in = await http.post("/api/session", json={"token": demo_server.tokens["BRA"]})
        assert signed_in.json()["code"] == "BRA"
        assert "httponly" in signed_in.headers["set-cookie"].lower()
        me = await http.get("/api/me")  # the cookie alone authenticates now
        assert me.json()["code"] == "BRA"
