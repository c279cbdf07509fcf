"""Rooms unload when idle, compact their history, and run silence procedures to the deadline."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from client.live import LiveClient
from server.storage import Storage
from tests.live.conftest import Demo

P = "par-10"


@pytest.fixture
def server_env() -> dict[str, str]:
    return {"IDLE_UNLOAD_SECONDS": "0.2", "COMPACT_EVERY_UPDATES": "10"}


async def _loaded_rooms(demo_server: Demo) -> list[str]:
    async with httpx.AsyncClient() as http:
        health = (await http.get(demo_server.server.base_url + "/healthz")).json()
    return [room["draft"] for room in health["rooms"]]


async def test_silence_runs_to_its_deadline_and_agrees_the_paragraph(connect: Any) -> None:
    chair: LiveClient = await connect("CHAIR")
    member: LiveClient = await connect("BRA")
    status, _ = await chair.api("POST", "/silence", {"target": f"paragraph:{P}", "seconds": 1})
    assert status == 200
    await member.wait_for(lambda: member.paragraph(P).get("status") == "under_silence")
    assert member.paragraph(P)["silence_deadline"]
    await member.wait_for(lambda: member.paragraph(P).get("status") == "agreed", timeout=15)
    status, record = await member.api("GET", "/events")
    agreed = [e for e in record["events"] if e["type"] == "paragraph_agreed"]
    assert agreed[-1]["payload"] == {"paragraph": P, "by": "silence"}
    assert agreed[-1]["actor"] == "CLOCK"


async def test_an_objection_breaks_silence_before_the_deadline(connect: Any) -> None:
    chair: LiveClient = await connect("CHAIR")
    member: LiveClient = await connect("BRA")
    await chair.api("POST", "/silence", {"target": f"paragraph:{P}", "hours": 72})
    await member.wait_for(lambda: member.paragraph(P).get("status") == "under_silence")
    status, _ = await member.api("POST", "/objections", {"target": f"paragraph:{P}"})
    assert status == 200
    await chair.wait_for(lambda: chair.paragraph(P).get("status") == "open")


async def test_idle_room_unloads_and_reloads_with_the_same_text(
    connect: Any, demo_server: Demo
) -> None:
    writer = await demo_server.client("BRA").connect()
    await writer.wait_for(lambda: writer.text(P))
    writer.insert(P, 0, "Kept ", "BRA-kept")
    await writer.wait_for(lambda: "BRA-kept" in writer.amendments())
    typed = writer.text(P)
    await writer.close()
    reader = await demo_server.client("USA").connect()
    try:
        await reader.wait_for(lambda: reader.text(P) == typed)
    finally:
        await reader.close()
    # Nobody connected: the room goes; the next visitor loads it from storage again.
    deadline = time.monotonic() + 10
    while await _loaded_rooms(demo_server) and time.monotonic() < deadline:
        continue  # each check is a round trip to the server; bounded by the deadline
    assert await _loaded_rooms(demo_server) == []
    again: LiveClient = await connect("CHN")
    assert again.text(P) == typed


async def test_long_history_is_compacted_into_a_snapshot_and_loads_the_same(
    connect: Any, demo_server: Demo
) -> None:
    writer: LiveClient = await connect("BRA")
    for n in range(30):
        writer.insert(P, 0, f"{n} ", f"BRA-c{n}")
    await writer.wait_for(lambda: sum(a.startswith("BRA-c") for a in writer.amendments()) == 30)
    typed = writer.text(P)
    storage = Storage.open(demo_server.server.database_url)
    try:
        snapshot = storage.latest_snapshot(demo_server.draft_id)
    finally:
        storage.close()
    assert snapshot is not None and snapshot.up_to_update_id > 1
    demo_server.server.stop()
    demo_server.server.start()
    fresh: LiveClient = await connect("USA")
    assert fresh.text(P) == typed
