"""SIGKILL at a random moment: what any client received survives; offline edits merge once."""

from __future__ import annotations

import asyncio
import random
import re

from client.live import LiveClient
from tests.reliability.conftest import Demo

TRIALS = 20
TYPISTS = ("BRA", "USA", "CHN")
MARK = re.compile(r"<[A-Z]+ t\d+ [a-z]+\d+>")


async def typing(
    client: LiveClient, code: str, trial: int, paragraph: str, typed: list[str]
) -> None:
    """Type markers as own amendments, each after the server registered the previous one."""
    n = 0
    while client.closed is None:
        n += 1
        marker, ident = f"<{code} t{trial} on{n}>", f"{code}-t{trial}-on{n}"
        client.insert(paragraph, client.length(paragraph), marker, ident)
        typed.append(marker)
        try:
            await client.wait_for(lambda i=ident: i in client.amendments() or client.closed, 5)  # type: ignore[misc]
        except TimeoutError:
            return


async def test_every_received_update_survives_sigkill_and_offline_edits_merge_once(
    demo_server: Demo, connect: object
) -> None:
    rng = random.Random(20260)
    clients: list[LiveClient] = [await connect(code) for code in TYPISTS]  # type: ignore[operator]
    server = demo_server.server
    for trial in range(TRIALS):
        paragraph = f"par-{trial % 20 + 1:02d}"
        typed: list[str] = []
        tasks = [
            asyncio.create_task(typing(c, code, trial, paragraph, typed))
            for c, code in zip(clients, TYPISTS, strict=True)
        ]
        await asyncio.sleep(rng.uniform(0.05, 0.4))  # the random moment of the crash
        server.kill()
        for c in clients:
            await c.wait_for(lambda c=c: c.closed)  # type: ignore[misc]
        await asyncio.gather(*tasks)
        received = {
            code: {a for a in c.amendments() if f"-t{trial}-" in a}
            for c, code in zip(clients, TYPISTS, strict=True)
        }
        seen = {m for c in clients for m in MARK.findall(c.text(paragraph))}
        for c in clients:
            await c.disconnect()
        offline = []
        for c, code in zip(clients, TYPISTS, strict=True):
            marker = f"<{code} t{trial} off1>"
            c.insert(paragraph, 0, marker, f"{code}-t{trial}-off1")
            offline.append(marker)
        server.start()
        fresh = await demo_server.client("IFLA").connect()
        try:
            await fresh.wait_for(lambda f=fresh: f.synced.is_set() and f.paragraph_ids())  # type: ignore[misc]
            restored = fresh.amendments()
            for code, ids in received.items():
                lost = ids - restored.keys()
                assert not lost, f"trial {trial}: {code} had received {lost}, lost in the crash"
        finally:
            await fresh.close()
        for c in clients:
            await c.connect()
        everything = seen | set(offline)
        for c in clients:
            await c.wait_for(
                lambda c=c, p=paragraph, e=everything: all(m in c.text(p) for m in e),  # type: ignore[misc]
                timeout=15,
            )
        await clients[0].wait_for(
            lambda p=paragraph: len({c.text(p) for c in clients}) == 1,  # type: ignore[misc]
            15,
            also=clients,
        )
        text = clients[0].text(paragraph)
        doubled = {m for m in MARK.findall(text) if text.count(m) != 1}
        assert not doubled, f"trial {trial}: merged more than once: {doubled}"
