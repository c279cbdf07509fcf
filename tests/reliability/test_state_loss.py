"""The server loses its rooms (SIGTERM or SIGKILL) while clients stay connected or edit offline:
on resync no text is duplicated or lost."""

from __future__ import annotations

import pytest

from client.live import LiveClient
from tests.reliability.conftest import Demo

P = "par-16"


@pytest.mark.parametrize("signal", ["sigterm", "sigkill"])
async def test_restart_under_connected_and_offline_clients_loses_and_doubles_nothing(
    demo_server: Demo, connect: object, signal: str
) -> None:
    stayer: LiveClient = await connect("BRA")  # type: ignore[operator]
    roamer: LiveClient = await connect("USA")  # type: ignore[operator]
    stayer.insert(P, 0, "<before>", "BRA-before")
    await roamer.wait_for(lambda: "BRA-before" in roamer.amendments())
    await roamer.disconnect()
    roamer.insert(P, roamer.length(P), "<offline>", "USA-offline")
    if signal == "sigterm":
        demo_server.server.stop()
    else:
        demo_server.server.kill()
    await stayer.wait_for(lambda: stayer.closed)
    stayer.insert(P, 0, "<dropped>", "BRA-dropped")  # typed into a dead socket
    demo_server.server.start()
    await stayer.disconnect()
    await stayer.connect()
    await roamer.connect()
    markers = ("<before>", "<offline>", "<dropped>")
    fresh = await demo_server.client("IFLA").connect()
    try:
        for client in (stayer, roamer):
            await client.wait_for(lambda c=client: all(m in c.text(P) for m in markers), 15)  # type: ignore[misc]
        await fresh.wait_for(lambda: all(m in fresh.text(P) for m in markers), 15)
        for client in (stayer, roamer, fresh):
            assert [client.text(P).count(m) for m in markers] == [1, 1, 1]
    finally:
        await fresh.close()
