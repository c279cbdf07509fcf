"""The sync endpoint's refusals, and what must survive them (DESIGN §8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import websockets

from client.live import LiveClient
from server import wire
from tests.live.conftest import Demo

P = "par-08"


async def _close_of(url: str, frame: bytes | str | None = None) -> tuple[int, str]:
    async with websockets.connect(url, max_size=None) as ws:
        if frame is not None:
            await ws.send(frame)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize(
    ("token", "draft", "code"),
    [("wrong-token", None, 4401), ("", None, 4401), (None, "no-such-draft", 4404)],
    ids=["wrong_token", "no_token", "unknown_draft"],
)
async def test_refused_connections_get_their_close_code_and_reason(
    demo_server: Demo, token: str | None, draft: str | None, code: int
) -> None:
    base = demo_server.server.base_url.replace("http", "ws")
    url = f"{base}/drafts/{draft or demo_server.draft_id}/sync?token="
    url += demo_server.tokens["BRA"] if token is None else token
    received, reason = await _close_of(url)
    assert received == code
    assert reason


MALFORMED = {
    "unknown_type": wire.varuint(42),
    "truncated_varint": b"\x80",
    "length_past_end": wire.varuint(0) + wire.varuint(2) + wire.varuint(50) + b"abc",
    "garbage_update": wire.sync_frame(wire.SyncType.UPDATE, b"\xff\xfe\xfd\xfc\x00\x01"),
    "bad_awareness_json": wire.awareness_frame(
        wire.varuint(1) + wire.varuint(7) + wire.varuint(1) + wire.varuint(3) + b"{no"
    ),
    "text_frame": "hello",
}


@pytest.mark.parametrize("frame", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_frame_closes_only_that_connection_and_loses_nothing(
    connect: Any, demo_server: Demo, frame: bytes | str
) -> None:
    writer: LiveClient = await connect("BRA")
    reader: LiveClient = await connect("USA")
    writer.insert(P, 0, "Firmly ", "BRA-f1")
    await reader.wait_for(lambda: reader.text(P).startswith("Firmly "))
    stored_before = await _stored_text(demo_server)

    hostile = await connect("KEN")
    await hostile.send_raw(frame)
    closed = await hostile.wait_for(lambda: hostile.closed)
    assert closed[0] == 4400

    writer.insert(P, 7, "and ", "BRA-f2")
    await reader.wait_for(lambda: reader.text(P).startswith("Firmly and "))
    assert await _stored_text(demo_server) == stored_before.replace("Firmly ", "Firmly and ", 1)


async def test_oversized_frame_closes_with_4413(connect: Any, demo_server: Demo) -> None:
    other: LiveClient = await connect("USA")
    hostile: LiveClient = await connect("KEN")
    await hostile.send_raw(wire.awareness_frame(b"\x00" * (1024 * 1024 + 10)))
    closed = await hostile.wait_for(lambda: hostile.closed)
    assert closed[0] == 4413
    assert len(other.paragraph_ids()) == 20 and other.closed is None


async def _stored_text(demo_server: Demo) -> str:
    """The paragraph as a fresh client loads it from the server (what is stored and served)."""
    fresh = await demo_server.client("IFLA").connect()
    try:
        await fresh.wait_for(lambda: fresh.synced.is_set() and fresh.text(P))
        return fresh.text(P)
    finally:
        await fresh.close()
