"""pycrdt-websocket as an ASGI app for uvicorn: a plain relay, room = URL path.

`uvicorn --factory tests.bench.pycrdt_peer:create_app`. Rooms stay after their last client
leaves (``auto_clean_rooms=False``), as ours and the Node server keep theirs, so a document
seeded by a first client is still there for the measured ones. Plain HTTP answers 200 (ready).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt.websocket import ASGIServer, WebsocketServer


def create_app() -> Any:
    server = WebsocketServer(auto_clean_rooms=False)
    relay = ASGIServer(server)
    running: list[asyncio.Task[None]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    running.append(asyncio.get_running_loop().create_task(server.start()))
                    await server.started.wait()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await server.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        else:
            await relay(scope, receive, send)

    return app
