"""Fixtures of the reliability suite: real server processes, shared per module where they can be.

The function-scoped fixtures of `tests.live` (``server_env``, ``demo_server``, ``connect``) are
re-exported; `shared_server` is one server per module, so a generated test with hundreds of cases
pays for one process start. Databases live on /dev/shm when there is one (commits are fsynced:
on a RAM disk they cost half as much), else in pytest's tmp dir.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.conftest import Demo, connect, demo_server, server_env
from tests.live.server_process import ServerProcess, seed_demo

__all__ = [
    "Demo",
    "connect",
    "database_url",
    "demo_server",
    "server_env",
    "shared_server",
    "start_demo",
]

RAM_DISK = Path("/dev/shm")


def database_dir(fallback: Path) -> Path:
    if RAM_DISK.is_dir():
        return Path(tempfile.mkdtemp(prefix="rt-reliability-", dir=RAM_DISK))
    return fallback


def start_demo(where: Path, env: dict[str, str]) -> Demo:
    """A seeded demo database and a server process over it."""
    directory = database_dir(where)
    database_url = f"sqlite:///{directory / 'reliability.sqlite3'}"
    tokens = seed_demo(database_url)
    server = ServerProcess(database_url, where / "server.log", env).start()
    return Demo(server, tokens)


def stop_demo(demo: Demo) -> None:
    demo.server.stop()
    log = demo.server.log_path.read_text(encoding="utf-8", errors="replace")
    leaked = [code for code, token in demo.tokens.items() if token in log]
    assert not leaked, f"the server log shows the tokens of {leaked}"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The database of `demo_server` (on the RAM disk when there is one)."""
    return f"sqlite:///{database_dir(tmp_path) / 'live.sqlite3'}"


@pytest.fixture(scope="module")
def shared_env() -> dict[str, str]:
    """Environment of the module's shared server; a module overrides it."""
    return {}


@pytest.fixture(scope="module")
def shared_server(
    tmp_path_factory: pytest.TempPathFactory, shared_env: dict[str, str]
) -> Iterator[Demo]:
    demo = start_demo(tmp_path_factory.mktemp("shared"), shared_env)
    try:
        yield demo
    finally:
        stop_demo(demo)
