"""A client that stops reading is disconnected; it never stalls the room."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from functools import partial
from typing import Any

import pytest

from client.live import LiveClient
from tests.live.conftest import Demo

P = "par-12"


@pytest.fixture
def server_env() -> dict[str, str]:
    return {"SEND_QUEUE_BYTES": str(1024 * 1024)}


def stalled_client(demo_server: Demo, code: str) -> socket.socket:
    """A websocket client with a tiny receive buffer that, after the handshake, never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # no autotuning past this
    sock.connect(("127.0.0.1", demo_server.server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    path = f"/drafts/{demo_server.draft_id}/sync?token={demo_server.tokens[code]}"
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101")
    return sock


def read_to_end(sock: socket.socket) -> bytes:
    sock.settimeout(30)
    data = bytearray()
    while chunk := sock.recv(1 << 20):
        data += chunk
    return bytes(data)


async def test_a_client_that_stops_reading_is_dropped_and_the_room_carries_on(
    connect: Any, demo_server: Demo
) -> None:
    stalled = stalled_client(demo_server, "KEN")
    writer: LiveClient = await connect("BRA")
    reader: LiveClient = await connect("USA")
    chunk = "x" * 20_000
    # Bursts the healthy clients absorb (under 1 MiB behind) but that pile up for the stalled
    # one once the few megabytes of socket buffers between it and the server are full.
    for burst in range(10):
        for _ in range(40):
            writer.insert(P, 0, chunk, f"BRA-big{burst}")
        await reader.wait_for(
            partial(lambda b: reader.length(P) >= (b + 1) * 40 * len(chunk), burst), timeout=30
        )
    assert reader.closed is None and writer.closed is None
    # The server gave up on the stalled client: its stream ends (EOF) instead of waiting.
    received = await asyncio.to_thread(read_to_end, stalled)
    stalled.close()
    assert len(received) < 10 * 40 * len(chunk)
    log = demo_server.server.log_path.read_text()
    assert "closing Connection(" in log and "KEN): " in log and "bytes behind" in log
