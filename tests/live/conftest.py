from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from client.live import LiveClient
from drafting import demo
from tests.live.server_process import ServerProcess, seed_demo


@dataclass
class Demo:
    server: ServerProcess
    tokens: dict[str, str]
    draft_id: str = demo.DRAFT_ID

    def client(self, code: str) -> LiveClient:
        return LiveClient(self.server.base_url, self.draft_id, self.tokens[code])


@pytest.fixture
def server_env() -> dict[str, str]:
    """Environment for the server process; a test module overrides it to tune settings."""
    return {}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Where the server keeps its data; a test module overrides it (e.g. for PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'live.sqlite3'}"


@pytest.fixture
def demo_server(tmp_path: Path, server_env: dict[str, str], database_url: str) -> Iterator[Demo]:
    """A real server process over a fresh database holding the demo draft."""
    tokens = seed_demo(database_url)
    server = ServerProcess(database_url, tmp_path / "server.log", server_env).start()
    try:
        yield Demo(server, tokens)
    finally:
        server.stop()
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    leaked = [code for code, token in tokens.items() if token in log]
    assert not leaked, f"the server log shows the tokens of {leaked}"


@pytest.fixture
async def connect(demo_server: Demo) -> AsyncIterator[object]:
    """``await connect("BRA")``: a synced client; all are closed at the end of the test."""
    clients: list[LiveClient] = []

    async def open_client(code: str) -> LiveClient:
        client = await demo_server.client(code).connect()
        clients.append(client)
        await client.wait_for(lambda: len(client.paragraph_ids()) == len(demo.PARAGRAPHS))
        return client

    yield open_client
    for client in clients:
        await client.close()
