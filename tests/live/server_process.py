"""A real Rolling Text server in its own process, on a free port, over a seeded database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from drafting import demo
from server.drafts import create_draft, register
from server.storage import Storage

READY_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_demo(database_url: str) -> dict[str, str]:
    """The demo working group and draft; each delegation's token."""
    storage = Storage.open(database_url)
    try:
        storage.migrate()
        tokens = register(storage, demo.ROSTER)
        secretariat = next(d for d in demo.ROSTER if d.code == "SECRETARIAT")
        create_draft(storage, demo.seed_commands(), secretariat, datetime.now(UTC))
    finally:
        storage.close()
    return tokens


@dataclass
class ServerProcess:
    database_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        env = {**os.environ, "DATABASE_URL": self.database_url, **self.env}
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "server.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ws",
            "websockets-sansio",
            "--ws-max-size",
            str(64 * 1024 * 1024),
            "--log-level",
            "info",
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: see {self.log_path}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)  # polling a port that is not open yet; bounded by the deadline
        raise RuntimeError(f"server not ready after {READY_TIMEOUT}s: see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush — what a crash looks like."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
