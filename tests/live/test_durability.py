"""Nothing typed before a crash is lost; clients converge and merge what they did offline."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from client.live import LiveClient
from drafting import demo
from tests.live.conftest import Demo

P = "par-09"


async def test_every_update_a_client_received_survives_sigkill(
    connect: Any, demo_server: Demo
) -> None:
    writer: LiveClient = await connect("BRA")
    watcher: LiveClient = await connect("USA")
    for n in range(25):
        writer.insert(P, 0, f"w{n} ", f"BRA-k{n}")
        await watcher.wait_for(partial(lambda n: watcher.text(P).startswith(f"w{n} "), n))
    seen = watcher.text(P)
    demo_server.server.kill()
    await watcher.wait_for(lambda: watcher.closed)
    demo_server.server.start()
    fresh = await demo_server.client("IFLA").connect()
    try:
        await fresh.wait_for(lambda: fresh.synced.is_set() and fresh.text(P) == seen)
        amendments = fresh.amendments()
        assert all(amendments[f"BRA-k{n}"]["proposer"] == "BRA" for n in range(25))
    finally:
        await fresh.close()


async def test_concurrent_typing_in_one_paragraph_converges(connect: Any) -> None:
    clients: list[LiveClient] = [await connect(code) for code in ("BRA", "USA", "CHN", "EU")]
    for round_ in range(10):
        for i, client in enumerate(clients):
            client.insert(P, client.length(P) if i % 2 else 0, f"<{i}.{round_}>", f"X{i}-{round_}")
    expected = {f"<{i}.{r}>" for i in range(4) for r in range(10)}
    for client in clients:
        await client.wait_for(partial(lambda c: all(t in c.text(P) for t in expected), client))
    await clients[0].wait_for(lambda: len({c.text(P) for c in clients}) == 1, also=clients)


async def test_offline_edits_merge_once_on_reconnect(connect: Any, demo_server: Demo) -> None:
    roamer: LiveClient = await connect("BRA")
    other: LiveClient = await connect("USA")
    await roamer.disconnect()
    roamer.insert(P, 0, "Offline ", "BRA-off")
    other.insert(P, other.length(P), " Online", "USA-on")
    await roamer.connect()
    for client in (roamer, other):
        await client.wait_for(
            partial(
                lambda c: c.text(P).startswith("Offline ") and c.text(P).endswith(" Online"), client
            )
        )
    assert roamer.text(P) == other.text(P)
    assert roamer.text(P).count("Offline ") == 1
    await other.wait_for(lambda: "BRA-off" in other.amendments())


async def test_twenty_clients_joining_an_unloaded_draft_at_once_all_sync(
    demo_server: Demo,
) -> None:
    codes = [d.code for d in demo.ROSTER if d.role == "member"][:20]
    clients = [demo_server.client(code) for code in codes]
    try:
        await asyncio.gather(*(c.connect() for c in clients))
        await asyncio.gather(
            *(
                c.wait_for(partial(lambda c: len(c.paragraph_ids()) == 20, c), timeout=20)
                for c in clients
            )
        )
        texts = {c.text("par-01") for c in clients}
        assert texts == {demo.PARAGRAPHS[0][1]}
        log = demo_server.server.log_path.read_text()
        assert log.count(f"loaded draft {demo_server.draft_id}") == 1  # loaded once, for all
    finally:
        await asyncio.gather(*(c.close() for c in clients))
