"""One client's connection to a room: who it is, and a bounded queue of frames to send it.

A slow client never stalls the room: frames wait in a bounded queue drained by the
connection's own sender task; a client that falls `send_queue_frames` behind is closed (1013,
reconnect later) rather than held in memory.

Fast path: under uvicorn (websockets-sansio, no compression) a frame for a connection whose
queue is empty and whose socket takes data is written straight to its transport, framed once
per broadcast (a server's frames are unmasked, so every client gets the same bytes): no task
switch, no per-client framing. Anything else takes the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

from websockets.protocol import Protocol as WebsocketsProtocol
from websockets.protocol import State

from drafting.delegation import Delegation
from drafting.suggestion import Editor
from server.failures import CloseCode

log = logging.getLogger(__name__)
_ids = itertools.count(1)


class Socket(Protocol):
    """The little the room needs of a websocket (Starlette's `WebSocket` fits)."""

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


ASGI_SEND = "rollingtext.asgi_send"  # scope key: the server's own websocket `send`

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class KeepSend:
    """ASGI middleware: keep the server's own ``send`` of each websocket in its scope, so
    `DirectWriter` can reach the transport under it (Starlette wraps what the app sees)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            scope[ASGI_SEND] = send
        await self.app(scope, receive, send)


class DirectWriter:
    """Writes ready-made websocket frames straight to uvicorn's transport (sans-I/O protocol,
    no extension negotiated), bypassing the per-frame ASGI send. `of` gives None for any other
    server, which then takes the ordinary path."""

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        self.conn: WebsocketsProtocol = protocol.conn
        self.writable: asyncio.Event = protocol.writable

    @classmethod
    def of(cls, scope: Scope) -> DirectWriter | None:
        protocol = getattr(scope.get(ASGI_SEND), "__self__", None)
        conn = getattr(protocol, "conn", None)
        if (
            not isinstance(conn, WebsocketsProtocol)
            or conn.extensions  # e.g. permessage-deflate: frames differ per connection
            or not isinstance(getattr(protocol, "writable", None), asyncio.Event)
            or not hasattr(protocol, "close_sent")
            or getattr(protocol, "transport", None) is None
        ):
            return None
        return cls(protocol)

    def ready(self) -> bool:
        """The socket is open and takes data now (not paused by flow control)."""
        return (
            self.writable.is_set()
            and self.conn.state is State.OPEN
            and not self.protocol.close_sent
            and not self.transport.is_closing()
        )

    def write(self, data: bytes) -> None:
        self.transport.write(data)

    async def send(self, payload: bytes) -> None:
        """One message, each piece when the socket takes data; a large one as fragments (RFC
        6455 §5.4: pings may come between them), so no connection holds a copy of all of it.

        Large messages (a newcomer's full document) go out a few at a time, first come first
        served: 150 joiners then finish one after another instead of all at the very end. A
        reader too slow to take the next fragment within `SLOT_PATIENCE` gives its turn up."""
        if len(payload) <= FRAGMENT_BYTES:
            await self._writable()
            self.transport.write(ws_frame(payload))
            return
        view = memoryview(payload)
        turns = _large_send_turns()
        await turns.acquire()
        held = True
        try:
            for start in range(0, len(view), FRAGMENT_BYTES):
                if held and not self.writable.is_set():
                    try:
                        await asyncio.wait_for(self.writable.wait(), SLOT_PATIENCE)
                    except TimeoutError:
                        turns.release()  # a slow reader does not hold the others up
                        held = False
                await self._writable()
                chunk = view[start : start + FRAGMENT_BYTES]
                final = start + FRAGMENT_BYTES >= len(view)
                opcode = (0x02 if start == 0 else 0x00) | (0x80 if final else 0x00)
                self.transport.write(_header(opcode, len(chunk)))  # no await in between:
                self.transport.write(chunk)  # nothing else can write between header and chunk
        finally:
            if held:
                turns.release()

    async def _writable(self) -> None:
        await self.writable.wait()
        if not self.ready():
            raise ConnectionError("the websocket closed while sending")


LARGE_SENDS_AT_ONCE = 4  # large messages written at the same time, per process
SLOT_PATIENCE = 1.0  # seconds a large message keeps its turn while its reader takes nothing


class _Turns:
    """The event loop's semaphore of large sends (made on first use, in that loop)."""

    loop: asyncio.AbstractEventLoop | None = None
    semaphore: asyncio.Semaphore | None = None


def _large_send_turns() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if _Turns.semaphore is None or _Turns.loop is not loop:
        _Turns.loop, _Turns.semaphore = loop, asyncio.Semaphore(LARGE_SENDS_AT_ONCE)
    return _Turns.semaphore


FRAGMENT_BYTES = 256 * 1024  # larger messages go out in fragments of this size


class _Framed:
    """The websocket frame of the last payload framed: a broadcast is framed once."""

    payload: bytes = b""
    frame: bytes = b""


def ws_frame(payload: bytes) -> bytes:
    """An unmasked, final binary websocket frame (RFC 6455 §5.2) carrying ``payload``."""
    if payload is _Framed.payload and _Framed.frame:
        return _Framed.frame
    _Framed.payload, _Framed.frame = payload, _header(0x82, len(payload)) + payload
    return _Framed.frame


def _header(first: int, size: int) -> bytes:
    """A server frame's header: FIN and opcode byte, then the unmasked payload length."""
    if size < 126:
        return bytes((first, size))
    if size < 65536:
        return bytes((first, 126)) + size.to_bytes(2, "big")
    return bytes((first, 127)) + size.to_bytes(8, "big")


CLOSE_TIMEOUT = 5.0  # seconds a peer gets to take our close frame
MAX_REASON_BYTES = 123  # RFC 6455: a close frame's reason fits in 123 bytes


def fit_reason(reason: str) -> str:
    """A close reason cut to what the protocol allows, on a character boundary."""
    data = reason.encode("utf-8")
    if len(data) <= MAX_REASON_BYTES:
        return reason
    return data[: MAX_REASON_BYTES - 3].decode("utf-8", "ignore") + "..."


class Connection:
    """A delegation's live connection. Also the transaction origin of its edits."""

    def __init__(
        self,
        socket: Socket,
        delegation: Delegation,
        queue_frames: int,
        queue_bytes: int = 16 * 1024 * 1024,
        direct: DirectWriter | None = None,
    ) -> None:
        self.id = next(_ids)
        self.socket = socket
        self.direct = direct
        self.delegation = delegation
        self.editor = Editor(delegation.code, delegation.role)
        self.awareness_clients: set[int] = set()
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=queue_frames)
        self._queue_bytes = queue_bytes
        self._queued = 0  # bytes waiting; one frame may exceed the bound on its own
        self._closing: tuple[int, str] | None = None
        self.stalled = False  # the peer stopped reading; its handler was told to give up
        self._handler = asyncio.current_task()  # the endpoint serving this connection
        self._sender = asyncio.get_running_loop().create_task(self._drain())

    def __repr__(self) -> str:
        return f"Connection({self.id}, {self.delegation.code})"

    def __hash__(self) -> int:
        return self.id

    @property
    def open(self) -> bool:
        return self._closing is None

    def send(self, frame: bytes) -> None:
        """Queue a frame; a client too far behind is disconnected instead."""
        if not self.open:
            return
        direct = self.direct
        if (
            not self._queued
            and direct is not None
            and len(frame) <= FRAGMENT_BYTES
            and direct.ready()
        ):
            direct.write(ws_frame(frame))  # nothing queued before it: order is kept
            return
        if self._queued and self._queued + len(frame) > self._queue_bytes:
            log.warning("closing %r: %d bytes behind", self, self._queued)
            self.close(CloseCode.TRY_AGAIN_LATER, "too far behind; reconnect to resync")
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("closing %r: %d frames behind", self, self._queue.qsize())
            self.close(CloseCode.TRY_AGAIN_LATER, "too far behind; reconnect to resync")
            return
        self._queued += len(frame)

    def close(self, code: int, reason: str) -> None:
        """Close after what is already queued (or at once when the queue is full)."""
        if self._closing is not None:
            return
        self._closing = (code, fit_reason(reason))
        if self._queue.full():
            self._sender.cancel()
            asyncio.get_running_loop().create_task(self._close_socket())
        else:
            self._queue.put_nowait(None)

    async def _drain(self) -> None:
        try:
            while (frame := await self._queue.get()) is not None:
                if self.direct is not None:
                    await self.direct.send(frame)
                else:
                    await self.socket.send_bytes(frame)
                self._queued -= len(frame)
        except Exception as error:  # the peer went away mid-send: this connection ends here
            log.info("%r: send failed: %r", self, error)
            self._closing = self._closing or (CloseCode.GOING_AWAY, "send failed")
            return
        await self._close_socket()

    async def _close_socket(self) -> None:
        code, reason = self._closing or (CloseCode.NORMAL, "")
        try:
            await asyncio.wait_for(self.socket.close(code, reason), CLOSE_TIMEOUT)
        except TimeoutError:
            # The peer does not even read our close frame: stop serving it altogether.
            log.warning("%r: not reading; dropping the connection", self)
            self.stalled = True
            if self._handler is not None and not self._handler.done():
                self._handler.cancel()
        except Exception as error:  # already closed by the peer
            log.debug("%r: close failed: %r", self, error)

    async def finished(self) -> None:
        """Wait until the sender has stopped (after `close`)."""
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender

    def stop(self) -> None:
        """The socket is gone: stop sending."""
        self._closing = self._closing or (CloseCode.GOING_AWAY, "disconnected")
        self._sender.cancel()
