"""Tokens: revoked or expired ones lose their live connections; limits per token and per rate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from client.live import LiveClient
from server import wire
from server.storage import Storage
from tests.live.conftest import Demo


@pytest.fixture
def server_env() -> dict[str, str]:
    return {"CONNECTIONS_PER_TOKEN": "2", "MESSAGES_PER_SECOND": "5", "MESSAGE_BURST": "10"}


@pytest.fixture
def storage(demo_server: Demo) -> Iterator[Storage]:
    store = Storage.open(demo_server.server.database_url)
    yield store
    store.close()


async def test_revoking_a_token_closes_its_live_connection_with_4401(
    connect: Any, demo_server: Demo, storage: Storage
) -> None:
    member: LiveClient = await connect("BRA")
    other: LiveClient = await connect("USA")
    assert storage.revoke_token(demo_server.tokens["BRA"])
    closed = await member.wait_for(lambda: member.closed, timeout=3)
    assert closed[0] == 4401
    assert other.closed is None
    status, body = await member.api("GET", "")
    assert (status, body["error"]["code"]) == (401, "unauthenticated")


async def test_revoking_a_delegation_refuses_its_token_everywhere(
    demo_server: Demo, storage: Storage, connect: Any
) -> None:
    member: LiveClient = await connect("CHN")
    storage.revoke_delegation("CHN")
    assert (await member.wait_for(lambda: member.closed, timeout=3))[0] == 4401
    replay = demo_server.client("CHN")
    await replay.connect()
    try:
        assert (await replay.wait_for(lambda: replay.closed))[0] == 4401
    finally:
        await replay.close()


async def test_a_token_that_expires_while_connected_is_closed(
    demo_server: Demo, storage: Storage
) -> None:
    token = storage.issue_token("IND", datetime.now(UTC) + timedelta(seconds=1))
    client = LiveClient(demo_server.server.base_url, demo_server.draft_id, token)
    await client.connect()
    try:
        await client.wait_for(lambda: client.synced.is_set())
        assert (await client.wait_for(lambda: client.closed, timeout=5))[0] == 4401
    finally:
        await client.close()


async def test_one_token_holds_a_bounded_number_of_connections(demo_server: Demo) -> None:
    clients = [demo_server.client("EGY") for _ in range(3)]
    try:
        for client in clients[:2]:
            await client.connect()
            await client.wait_for(client.synced.is_set)
        await clients[2].connect()
        assert (await clients[2].wait_for(lambda: clients[2].closed))[0] == 4429
        assert clients[0].closed is None and clients[1].closed is None
    finally:
        for client in clients:
            await client.close()


async def test_a_flooding_connection_is_closed_and_others_carry_on(connect: Any) -> None:
    flooder: LiveClient = await connect("KEN")
    calm: LiveClient = await connect("MEX")
    for clock in range(1, 40):
        entry = wire.AwarenessEntry(991, clock, json.dumps({"n": clock}))
        await flooder.send_raw(wire.awareness_frame(wire.awareness_update([entry])))
    assert (await flooder.wait_for(lambda: flooder.closed))[0] == 4429
    assert calm.closed is None
    async with httpx.AsyncClient() as http:
        health = await http.get(calm.base_url + "/healthz")
    assert health.status_code == 200


def test_tokens_are_stored_only_as_digests(demo_server: Demo, storage: Storage) -> None:
    database = demo_server.server.database_url.removeprefix("sqlite:///")
    with open(database, "rb") as raw:
        content = raw.read()
    assert not any(token.encode() in content for token in demo_server.tokens.values())
