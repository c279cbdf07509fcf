"""The live server on PostgreSQL: the same round trip and crash durability as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from client.live import LiveClient
from tests.conftest import postgres_schema
from tests.live.conftest import Demo

P = "par-05"


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema on the CI PostgreSQL, dropped afterwards."""
    with postgres_schema(postgres_server, "live") as url:
        yield url


async def test_typing_consensus_and_a_crash_on_postgresql(connect: Any, demo_server: Demo) -> None:
    member: LiveClient = await connect("BRA")
    chair: LiveClient = await connect("CHAIR")
    member.insert(P, 0, "Duly ", "BRA-pg1")
    await chair.wait_for(lambda: "BRA-pg1" in chair.amendments())
    status, body = await chair.api("POST", "/consensus", {"target": "amendment:BRA-pg1"})
    assert (status, body["outcome"]) == (200, "accepted")
    await member.wait_for(lambda: member.runs(P)[0].attrs == {})
    seen = member.text(P)
    demo_server.server.kill()
    demo_server.server.start()
    fresh: LiveClient = await connect("USA")
    assert fresh.text(P) == seen
    status, record = await fresh.api("GET", "/events")
    assert [e["type"] for e in record["events"][-2:]] == [
        "amendment_proposed",
        "amendment_accepted",
    ]
