"""Several server processes on one PostgreSQL database and one Redis: any process serves any
draft, clients on different processes co-edit and see each other, procedure stays serial, and
a process killed mid-typing loses nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
import redis
import websockets

from client.live import LiveClient
from drafting import demo
from server import wire
from tests.conftest import postgres_schema
from tests.live.server_process import ServerProcess, free_port, seed_demo

REDIS_URL = "redis://127.0.0.1:6379/0"
P = "par-07"
PARAGRAPHS = len(demo.PARAGRAPHS)


@pytest.fixture(scope="module")
def redis_server() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return REDIS_URL


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema on the CI PostgreSQL, dropped afterwards."""
    with postgres_schema(postgres_server, "scale") as url:
        yield url


class Cluster:
    def __init__(self, database_url: str, tmp_path: Path, env: dict[str, str]) -> None:
        self.tokens = seed_demo(database_url)
        self.processes = [
            ServerProcess(database_url, tmp_path / f"server-{n}.log", env) for n in range(2)
        ]
        self.clients: list[LiveClient] = []

    async def client(self, process: int, code: str) -> LiveClient:
        url = self.processes[process].base_url
        client = await LiveClient(url, demo.DRAFT_ID, self.tokens[code]).connect()
        self.clients.append(client)
        await client.wait_for(lambda: len(client.paragraph_ids()) == len(demo.PARAGRAPHS))
        return client


@pytest.fixture
async def cluster(database_url: str, redis_server: str, tmp_path: Path) -> AsyncIterator[Cluster]:
    env = {"REDIS_URL": redis_server, "CATCH_UP_SECONDS": "1"}
    cluster = Cluster(database_url, tmp_path, env)
    for process in cluster.processes:
        process.start()
    try:
        yield cluster
    finally:
        for client in cluster.clients:
            await client.close()
        for process in cluster.processes:
            process.stop()


async def test_clients_on_two_processes_co_edit_and_converge(cluster: Cluster) -> None:
    bra = await cluster.client(0, "BRA")
    usa = await cluster.client(1, "USA")
    chair = await cluster.client(1, "CHAIR")
    for n in range(30):  # interleaved typing on both processes, without waiting
        bra.insert(P, 0, "b", f"BRA-{n}")
        usa.insert(P, usa.length(P), "u", f"USA-{n}")
    expected = {f"BRA-{n}" for n in range(30)} | {f"USA-{n}" for n in range(30)}
    for client in (bra, usa, chair):
        await client.wait_for(partial(lambda c: expected <= set(c.amendments()), client))
    await bra.wait_for(lambda: bra.runs(P) == usa.runs(P) == chair.runs(P), also=(usa, chair))
    # Procedure from one process shows on the other: the chair (process 1) accepts BRA's.
    status, body = await chair.api("POST", "/consensus", {"target": "amendment:BRA-0"})
    assert (status, body["outcome"]) == (200, "accepted")
    await bra.wait_for(lambda: bra.amendments()["BRA-0"]["status"] == "accepted")
    _, record = await bra.api("GET", "/events")
    seqs = [e["seq"] for e in record["events"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert sum(e["type"] == "amendment_proposed" for e in record["events"]) == 60


async def test_presence_crosses_processes(cluster: Cluster) -> None:
    token_a, token_b = cluster.tokens["BRA"], cluster.tokens["CHN"]
    url_a = LiveClient(cluster.processes[0].base_url, demo.DRAFT_ID, token_a).sync_url
    url_b = LiveClient(cluster.processes[1].base_url, demo.DRAFT_ID, token_b).sync_url
    async with websockets.connect(url_b) as watcher, websockets.connect(url_a) as sender:
        await _first_sync(watcher)
        await _first_sync(sender)
        entry = wire.AwarenessEntry(5151, 1, json.dumps({"focus": P}))
        await sender.send(wire.awareness_frame(wire.awareness_update([entry])))
        seen = await _awareness_of(watcher, 5151)
        assert json.loads(seen.state)["delegation"]["code"] == "BRA"
    # The sender left: the other process hears that it is gone (a bounded wait: the departure
    # crosses Redis), and a newcomer there no longer sees it.
    async with websockets.connect(url_b) as late:
        await _first_sync(late)
        for _ in range(100):
            late_entries = await _awareness_snapshot(late)
            if 5151 not in {e.client for e in late_entries if e.state != "null"}:
                break
            await asyncio.sleep(0.05)
        assert 5151 not in {e.client for e in late_entries if e.state != "null"}


async def test_a_killed_process_loses_nothing_its_clients_had(cluster: Cluster) -> None:
    writer = await cluster.client(0, "BRA")
    watcher = await cluster.client(1, "USA")
    for n in range(40):
        writer.insert(P, 0, f"w{n} ", f"BRA-k{n}")
        if n == 25:
            await watcher.wait_for(lambda: "BRA-k20" in watcher.amendments())
    await watcher.wait_for(lambda: "BRA-k25" in watcher.amendments())
    cluster.processes[0].kill()
    # The writer's offline edits and everything it had go to the surviving process.
    writer.insert(P, 0, "after ", "BRA-after")
    await writer.disconnect()
    writer.base_url = cluster.processes[1].base_url  # the load balancer sends it elsewhere
    moved = await writer.connect()
    wanted = {f"BRA-k{n}" for n in range(40)} | {"BRA-after"}
    await watcher.wait_for(lambda: wanted <= set(watcher.amendments()), timeout=20)
    await watcher.wait_for(lambda: watcher.runs(P) == moved.runs(P), also=(moved,))
    assert watcher.text(P).count("after ") == 1
    _, record = await watcher.api("GET", "/events")
    seqs = [e["seq"] for e in record["events"]]
    assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate
    events = record["events"]
    proposed = [e["payload"]["amendment"] for e in events if e["type"] == "amendment_proposed"]
    assert sorted(proposed) == sorted(wanted)


async def _first_sync(ws: websockets.ClientConnection) -> None:
    await ws.send(wire.sync_frame(wire.SyncType.STEP1, b"\x00"))


async def _awareness_of(ws: websockets.ClientConnection, client: int) -> wire.AwarenessEntry:
    async def find() -> wire.AwarenessEntry:
        while True:
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            message = wire.parse(frame)
            if isinstance(message, wire.Awareness):
                for entry in wire.awareness_entries(message.payload):
                    if entry.client == client:
                        return entry

    return await asyncio.wait_for(find(), 10)


async def _awareness_snapshot(ws: websockets.ClientConnection) -> list[wire.AwarenessEntry]:
    await ws.send(bytes([wire.MessageType.QUERY_AWARENESS]))

    async def find() -> list[wire.AwarenessEntry]:
        while True:
            frame = await ws.recv()
            assert isinstance(frame, bytes)
            message = wire.parse(frame)
            if isinstance(message, wire.Awareness):
                return list(wire.awareness_entries(message.payload))

    return await asyncio.wait_for(find(), 10)


async def test_serve_with_workers_runs_processes_that_co_edit(
    database_url: str, redis_server: str, tmp_path: Path
) -> None:
    tokens = seed_demo(database_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_server}
    log = (tmp_path / "workers.log").open("wb")
    command = [sys.executable, "-m", "client.cli", "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    clients: list[LiveClient] = []
    try:
        await _until_healthy(base, server)
        for n, code in enumerate(("BRA", "CHN", "USA", "FRA", "KEN", "IND")):
            client = await LiveClient(base, demo.DRAFT_ID, tokens[code]).connect()
            clients.append(client)
            await client.wait_for(partial(lambda c: len(c.paragraph_ids()) == PARAGRAPHS, client))
            client.insert(P, 0, f"{code} ", f"{code}-w{n}")
        wanted = {f"{c}-w{n}" for n, c in enumerate(("BRA", "CHN", "USA", "FRA", "KEN", "IND"))}
        for client in clients:
            await client.wait_for(partial(lambda c: wanted <= set(c.amendments()), client), 15)
        await clients[0].wait_for(
            lambda: all(c.runs(P) == clients[0].runs(P) for c in clients), also=clients
        )
    finally:
        for client in clients:
            await client.close()
        server.terminate()
        server.wait(timeout=20)


def test_serve_with_workers_refuses_to_start_without_a_bus(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "client.cli", "serve", "--workers", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs REDIS_URL" in done.stderr


async def _until_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):  # up to 30 s, checking that the supervisor is still alive
            assert server.poll() is None, "rollingtext serve --workers exited"
            try:
                if (await http.get(base + "/healthz", timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("rollingtext serve --workers 2 never became healthy")


async def test_updates_the_bus_never_carried_arrive_from_the_database(
    database_url: str, redis_server: str, tmp_path: Path
) -> None:
    # Process 0 publishes nothing (no REDIS_URL): everything it stores is, for process 1, a
    # lost bus message. Process 1 must still show it, read from the database.
    tokens = seed_demo(database_url)
    silent = ServerProcess(database_url, tmp_path / "silent.log", {}).start()
    listening = ServerProcess(
        database_url,
        tmp_path / "listening.log",
        {"REDIS_URL": redis_server, "CATCH_UP_SECONDS": "0.5"},
    ).start()
    clients: list[LiveClient] = []
    try:
        for server, code in ((silent, "BRA"), (listening, "USA")):
            client = await LiveClient(server.base_url, demo.DRAFT_ID, tokens[code]).connect()
            clients.append(client)
            await client.wait_for(partial(lambda c: len(c.paragraph_ids()) == PARAGRAPHS, client))
        bra, usa = clients
        for n in range(5):
            bra.insert(P, 0, f"quiet{n} ", f"BRA-q{n}")
        wanted = {f"BRA-q{n}" for n in range(5)}
        await usa.wait_for(lambda: wanted <= set(usa.amendments()), timeout=15)
        await usa.wait_for(lambda: usa.runs(P) == bra.runs(P), also=(bra,))
    finally:
        for client in clients:
            await client.close()
        silent.stop()
        listening.stop()


async def test_typing_into_an_amendment_another_process_rejects_never_outlives_it(
    cluster: Cluster,
) -> None:
    """The chair (process 1) rejects BRA's amendment while BRA (process 0) keeps extending it:
    what BRA typed after the rejection must not be stored as part of a settled amendment."""
    bra = await cluster.client(0, "BRA")
    chair = await cluster.client(1, "CHAIR")
    original = chair.text(P)
    bra.insert(P, 0, "Duly ", "BRA-r1")
    await chair.wait_for(lambda: "BRA-r1" in chair.amendments())

    async def keep_typing() -> None:
        for n in range(120):
            if bra.closed is not None:
                return  # the server dropped us to resync (1012): a browser reconnects
            bra.insert(P, 5 + n, "z", "BRA-r1")
            await asyncio.sleep(0.002)

    typing_task = asyncio.create_task(keep_typing())
    await asyncio.sleep(0.05)
    status, _ = await chair.api("POST", "/amendments/BRA-r1/reject", {})
    assert status == 200
    await typing_task
    watcher = await cluster.client(1, "USA")
    await watcher.wait_for(lambda: watcher.amendments()["BRA-r1"]["status"] == "rejected")

    def settled() -> bool:
        return all("BRA-r1" not in str(run.attrs) for run in watcher.runs(P))

    await watcher.wait_for(settled, timeout=15)
    # Whatever BRA's copy resends on reconnecting is judged afresh and refused, not stored.
    if bra.closed is not None:
        await bra.disconnect()
        await bra.connect()
        await bra.wait_for(lambda: bra.synced.is_set())
    fresh = await cluster.client(0, "KEN")
    for client in (watcher, fresh):
        await client.wait_for(partial(lambda c: c.text(P) == original, client), timeout=15)
        assert all("BRA-r1" not in str(run.attrs) for run in client.runs(P))


async def test_typing_goes_on_while_the_other_process_records_events(cluster: Cluster) -> None:
    """BRA extends one amendment (text only) on process 0 while USA opens a new amendment per
    keystroke (an event each) on process 1: BRA's text-only commits keep meeting a record that
    moved, are re-checked, and must all land — on both processes, for late joiners too.

    The convergence wait names every client it compares (``also``): BRA's last rounds reach the
    late joiner on process 0 before USA has them (over Redis and process 1); a wait re-checked
    only on the joiner's own changes saw USA behind, then nothing more, and timed out on copies
    that had converged (issue 8)."""
    bra = await cluster.client(0, "BRA")
    usa = await cluster.client(1, "USA")
    bra.insert(P, 0, "B", "BRA-long")
    await usa.wait_for(lambda: "BRA-long" in usa.amendments())
    for n in range(40):
        bra.insert(P, 1 + n, "b", "BRA-long")
        usa.insert(P, usa.length(P), "u", f"USA-e{n}")
        await asyncio.sleep(0.005)  # a typist's pace, so rounds interleave with the events
    wanted = {f"USA-e{n}" for n in range(40)} | {"BRA-long"}
    for process in (0, 1):
        late = await cluster.client(process, "KEN")
        await late.wait_for(partial(lambda c: wanted <= set(c.amendments()), late), timeout=20)
        await late.wait_for(
            partial(lambda c: c.runs(P) == bra.runs(P) == usa.runs(P), late),
            timeout=20,
            also=(bra, usa),
        )
        assert late.text(P).count("b") >= 40
