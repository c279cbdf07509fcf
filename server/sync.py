"""``ws /drafts/{draft_id}/sync``: the Yjs sync endpoint (DESIGN §8).

Accept → authenticate → find the room → loop over frames → hand each to the room. Every refusal
closes with a documented code and a reason; the room and its other clients carry on.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.websockets import WebSocket

from server.auth import authenticate, offered_subprotocol, token_from
from server.connection import Connection, DirectWriter
from server.credential_watch import CredentialWatch
from server.failures import CloseCode
from server.rate_limit import TokenBucket
from server.room import Room
from server.rooms import Rooms, UnknownDraft
from server.settings import Settings
from server.storage.credentials import token_hash
from server.wire import MalformedFrame

log = logging.getLogger(__name__)


async def sync_endpoint(websocket: WebSocket) -> None:
    rooms: Rooms = websocket.app.state.rooms
    watch: CredentialWatch = websocket.app.state.credentials
    settings: Settings = websocket.app.state.settings
    await websocket.accept(subprotocol=offered_subprotocol(websocket.headers))
    token = token_from(websocket.query_params, websocket.headers, websocket.cookies)
    delegation = await authenticate(rooms.storage, token)
    if token is None or delegation is None:
        log.info("sync refused: unknown, revoked or expired token")
        await websocket.close(CloseCode.UNAUTHENTICATED, "unknown, revoked or expired token")
        return
    conn = Connection(
        websocket,
        delegation,
        settings.send_queue_frames,
        settings.send_queue_bytes,
        direct=DirectWriter.of(websocket.scope),
    )
    if not watch.admit(conn, token_hash(token)):
        conn.close(CloseCode.TOO_MANY, f"over {watch.per_token} connections for this token")
        await conn.finished()
        return
    draft_id = websocket.path_params["draft_id"]
    try:
        room = await rooms.join(draft_id, conn)
    except UnknownDraft:
        watch.release(conn)
        conn.close(CloseCode.NO_SUCH_DRAFT, f"no draft {draft_id!r}")
        await conn.finished()
        return
    log.info("%s joined %s", delegation.code, draft_id)
    try:
        await _serve(websocket, conn, room, settings)
    except asyncio.CancelledError:
        if not conn.stalled:
            raise
        asyncio.current_task().uncancel()  # type: ignore[union-attr]
        log.info("%s dropped from %s: it stopped reading", delegation.code, draft_id)
        return
    finally:
        watch.release(conn)
        rooms.leave(room, conn)
        if conn.open:
            conn.stop()
        log.info("%s left %s", delegation.code, draft_id)
    await conn.finished()


async def _serve(websocket: WebSocket, conn: Connection, room: Room, settings: Settings) -> None:
    """The receive loop: each frame is checked against the limits, then handed to the room."""
    bucket = TokenBucket(settings.messages_per_second, settings.message_burst)
    code = conn.delegation.code
    while conn.open:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        frame = message.get("bytes")
        if frame is None:
            conn.close(CloseCode.MALFORMED, "binary y-protocols frames only")
        elif len(frame) > settings.max_message_bytes:
            log.warning("%s sent %d bytes (limit %d)", code, len(frame), settings.max_message_bytes)
            conn.close(CloseCode.TOO_LARGE, f"message over {settings.max_message_bytes} bytes")
        elif not bucket.take():
            log.warning("%s is over %s messages/s", code, settings.messages_per_second)
            conn.close(CloseCode.TOO_MANY, "too many messages; slow down and reconnect")
        else:
            try:
                await room.receive(conn, frame)
            except MalformedFrame as error:
                log.warning("malformed frame from %s: %s", code, error)
                conn.close(CloseCode.MALFORMED, f"malformed frame: {error}")
            except Exception as error:  # this connection ends; the room carries on
                log.exception("frame from %s failed in %s", code, room.id)
                conn.close(CloseCode.MALFORMED, f"could not apply the frame: {error}")
