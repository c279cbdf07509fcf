"""``ws /drafts/{draft_id}/sync``: the Yjs sync endpoint (DESIGN §8).

Accept → authenticate → find the room → loop over frames → hand each to the room. Every refusal
closes with a documented code and a reason; the room and its other clients carry on.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.websockets import WebSocket

from server.auth import authenticate, offered_subprotocol, token_from
from server.connection import Connection
from server.failures import CloseCode
from server.rooms import Rooms, UnknownDraft
from server.settings import Settings
from server.wire import MalformedFrame

log = logging.getLogger(__name__)


async def sync_endpoint(websocket: WebSocket) -> None:
    rooms: Rooms = websocket.app.state.rooms
    settings: Settings = websocket.app.state.settings
    await websocket.accept(subprotocol=offered_subprotocol(websocket.headers))
    token = token_from(websocket.query_params, websocket.headers, websocket.cookies)
    delegation = await authenticate(rooms.storage, token)
    if delegation is None:
        log.info("sync refused: unknown, revoked or expired token")
        await websocket.close(CloseCode.UNAUTHENTICATED, "unknown, revoked or expired token")
        return
    draft_id = websocket.path_params["draft_id"]
    conn = Connection(websocket, delegation, settings.send_queue_frames)
    try:
        room = await rooms.join(draft_id, conn)
    except UnknownDraft:
        conn.close(CloseCode.NO_SUCH_DRAFT, f"no draft {draft_id!r}")
        await conn.finished()
        return
    log.info("%s joined %s", delegation.code, draft_id)
    try:
        while conn.open:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            frame = message.get("bytes")
            if frame is None:
                conn.close(CloseCode.MALFORMED, "binary y-protocols frames only")
            elif len(frame) > settings.max_message_bytes:
                limit = settings.max_message_bytes
                log.warning("%s sent %d bytes (limit %d)", delegation.code, len(frame), limit)
                conn.close(CloseCode.TOO_LARGE, f"message over {limit} bytes")
            else:
                try:
                    await room.receive(conn, frame)
                except MalformedFrame as error:
                    log.warning("malformed frame from %s: %s", delegation.code, error)
                    conn.close(CloseCode.MALFORMED, f"malformed frame: {error}")
                except Exception as error:  # this connection ends; the room carries on
                    log.exception("frame from %s failed in %s", delegation.code, draft_id)
                    conn.close(CloseCode.MALFORMED, f"could not apply the frame: {error}")
    except asyncio.CancelledError:
        if not conn.stalled:
            raise
        asyncio.current_task().uncancel()  # type: ignore[union-attr]
        log.info("%s dropped from %s: it stopped reading", delegation.code, draft_id)
        return
    finally:
        rooms.leave(room, conn)
        if conn.open:
            conn.stop()
        log.info("%s left %s", delegation.code, draft_id)
    await conn.finished()
