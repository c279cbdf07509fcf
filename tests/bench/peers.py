"""The three servers under test, each a real process on 127.0.0.1: ours, pycrdt-websocket, and
the Yjs reference server (@y/websocket-server on Node); plus what /proc says about them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.live.server_process import ServerProcess, free_port

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / "node"
NODE_SERVER = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
READY_TIMEOUT = 30.0
TICKS = os.sysconf("SC_CLK_TCK")

SERVERS = ("ours", "pycrdt", "node")
SERVICES = ("postgres", "redis-server")  # the shared engines, by process name


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) in KiB, from /proc/<pid>/status."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def machine_cpu_seconds() -> tuple[float, float]:
    """All cores' busy and total CPU seconds so far (/proc/stat): to see who else is running."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / TICKS, sum(fields) / TICKS


def services_cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of every PostgreSQL and Redis process on this machine (/proc): the
    engines a server may use, accounted apart from "other processes"."""
    out = dict.fromkeys(SERVICES, 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited between the listing and the read
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name in out:
            fields = text.rsplit(")", 1)[1].split()
            out[name] += (int(fields[11]) + int(fields[12])) / TICKS
    return {"postgres": out["postgres"], "redis": out["redis-server"]}


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Running:
    """A started server: where to connect, and its process."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    tokens: dict[str, str] = field(default_factory=dict)
    ours: ServerProcess | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def pids(self) -> list[int]:
        """Every process of this server (one, unless it runs several)."""
        return [self.process.pid]

    def url(self, draft_id: str, token: str | None = None) -> str:
        url = f"ws://127.0.0.1:{self.port}/drafts/{draft_id}/sync"
        return url + (f"?token={token}" if token and self.name == "ours" else "")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.ours is not None:
            self.ours.stop()
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_http(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: see {log}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)  # the port is not open yet; bounded by the deadline
    raise RuntimeError(f"server not ready after {READY_TIMEOUT}s: see {log}")


def start_ours(database_url: str, log: Path, env: dict[str, str]) -> Running:
    server = ServerProcess(database_url, log, env={"IDLE_UNLOAD_SECONDS": "600", **env}).start()
    assert server.process is not None
    return Running("ours", server.process, server.port, ours=server)


def start_pycrdt(log: Path) -> Running:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "tests.bench.pycrdt_peer:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--ws", "websockets-sansio",
        "--ws-max-size", str(256 * 1024 * 1024), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    _wait_http(process, port, log)
    return Running("pycrdt", process, port)


def node_ready() -> str | None:
    """Why the Node peer cannot run (None when it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not NODE_SERVER.exists():
        return f"run `npm ci --prefix {NODE_DIR.relative_to(Path.cwd())}` first"
    return None


def start_node(log: Path) -> Running:
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["node", str(NODE_SERVER)], cwd=NODE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    _wait_http(process, port, log)
    return Running("node", process, port)
