"""One client's connection to a room: who it is, and a bounded queue of frames to send it.

A slow client never stalls the room: frames wait in a bounded queue drained by the
connection's own sender task; a client that falls `send_queue_frames` behind is closed (1013,
reconnect later) rather than held in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import Protocol

from drafting.delegation import Delegation
from drafting.suggestion import Editor
from server.failures import CloseCode

log = logging.getLogger(__name__)
_ids = itertools.count(1)


class Socket(Protocol):
    """The little the room needs of a websocket (Starlette's `WebSocket` fits)."""

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


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
    ) -> None:
        self.id = next(_ids)
        self.socket = socket
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
