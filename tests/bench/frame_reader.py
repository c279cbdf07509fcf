"""A reading client that costs the load generator little: picows frames, no Doc while it reads.

Why: with every reader a websockets connection applying each frame to its own pycrdt Doc, the
generator took 97-99 % of a core in heavy typing and typing on a 2-core machine, so the
latencies it measured were mostly its own queueing (worst for the relay peers, which send one
frame per keystroke to every reader). This reader does per frame only what a latency needs:

- picows (Cython) parses the websocket frame and calls ``on_ws_frame``;
- the frame's arrival time is taken, its update kept (a reference), and the ledger marks the
  keystrokes it carries: the exact bytes a writer sent → a dict lookup; an update the server
  merged or re-encoded → each client's clock range in it, read off its bytes once per distinct
  update (tests/bench/update_clocks.py) — a range that starts past what the reader holds waits,
  as a real Yjs client's pending structs would, until the gap is filled;
- at the end, ``paragraph_texts()`` applies the first sync and every kept update to a Doc, so
  convergence is checked on exactly the bytes this reader received (readers that received the
  same bytes share one Doc).

So a delivery is timed when its frame arrives and is decoded, not after a Doc applied it: the
few microseconds of one small ``apply_update`` per frame are left out of the latency (they
would be a browser's own cost), and the bytes are still applied before convergence is judged.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect
from pycrdt import Array, Doc

from server import wire
from tests.bench.load import CONNECT_TIMEOUT, MAX_FRAME, Ledger, Receiver, _length

EMPTY_STATE_VECTOR = b"\x00"
EMPTY_UPDATE = b"\x00\x00"
_BINARY = WSMsgType.BINARY
_CONTINUATION = WSMsgType.CONTINUATION
_CLOSE = WSMsgType.CLOSE
# paragraph texts by a digest of what a reader received: readers that got the same bytes share
# one Doc, and the cache holds no update once the readers are gone
_texts_of: dict[bytes, list[str]] = {}


class _Listener(WSListener):  # type: ignore[misc]
    def __init__(self, reader: FrameReader) -> None:
        super().__init__()
        self.reader = reader
        self.parts: list[bytes] = []

    def on_ws_connected(self, transport: WSTransport) -> None:
        # frames may follow the handshake in the same read, before ws_connect returns
        self.reader.transport = transport
        transport.send(_BINARY, wire.sync_frame(wire.SyncType.STEP1, EMPTY_STATE_VECTOR))

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        try:
            self._on_frame(transport, frame)
        except Exception as error:  # recorded, reported; the connection is dropped
            self.reader.errors.append(repr(error))
            raise

    def _on_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind == _BINARY and frame.fin:
            self.reader.frame(frame.get_payload_as_bytes())
        elif kind in (_BINARY, _CONTINUATION):  # a fragmented message
            self.parts.append(frame.get_payload_as_bytes())
            if frame.fin:
                whole = b"".join(self.parts)
                self.parts.clear()
                self.reader.frame(whole)
        elif kind == _CLOSE:
            code = frame.get_close_code()
            message = frame.get_close_message() or b""
            self.reader.closed_with = (int(code), message.decode("utf-8", "replace"))
            transport.send_close(code)
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        reader = self.reader
        if reader.closed_with is None:
            reader.closed_with = (None if reader.closing else 1006, "")
        reader.ended.set()


class FrameReader(Receiver):
    """A pure reader with the load Client's face (the scenarios treat both alike)."""

    def __init__(
        self, url: str, draft: int, ledger: Ledger, *, keep_doc: bool = True, **_: Any
    ) -> None:
        super().__init__(url, draft, ledger, keep_doc)
        self.updates: list[bytes] = []  # every update received, applied at the end
        self.initial = b""  # the first sync's state (kept if keep_doc)
        self.transport: WSTransport | None = None
        self.closing = False
        self._started = 0.0

    async def open(self) -> None:
        self._started = time.perf_counter()
        await ws_connect(
            lambda: _Listener(self),
            self.url,
            websocket_handshake_timeout=CONNECT_TIMEOUT,
            max_frame_size=MAX_FRAME,
        )  # the listener holds the transport from the moment it connects

    def frame(self, frame: bytes) -> None:
        kind = frame[0]
        if kind == 0:
            sync = frame[1]
            synced = self.synced.is_set()
            if sync == wire.SyncType.UPDATE or (sync == wire.SyncType.STEP2 and synced):
                now = time.perf_counter()
                pos, size = _length(frame)
                update = frame[pos : pos + size]
                self.updates.append(update)
                self.ledger.received(self, update, now)
            elif sync == wire.SyncType.STEP2:
                self.sync_seconds = time.perf_counter() - self._started
                pos, self.sync_bytes = _length(frame)
                if self.keep_doc:
                    self.initial = frame[pos : pos + self.sync_bytes]
                self.synced.set()
            elif sync == wire.SyncType.STEP1:  # the server asks what we have: nothing of our own
                assert self.transport is not None
                self.transport.send(_BINARY, wire.sync_frame(wire.SyncType.STEP2, EMPTY_UPDATE))
        elif kind == wire.MessageType.AWARENESS:
            self.awareness_in += 1
        elif kind == wire.MessageType.NOTICE:
            notice = wire.parse_notice(frame)
            if notice.get("type") == "rejected":
                self.rejected.append(notice)

    def paragraph_texts(self) -> list[str]:
        digest = hashlib.blake2b(digest_size=16)
        for update in (self.initial, *self.updates):
            digest.update(len(update).to_bytes(8, "little"))
            digest.update(update)
        key = digest.digest()
        texts = _texts_of.get(key)
        if texts is None:
            doc: Doc = Doc()
            if self.initial:
                doc.apply_update(self.initial)
            for update in self.updates:
                doc.apply_update(update)
            texts = _texts_of[key] = [str(p["text"]) for p in doc.get("paragraphs", type=Array)]
        return texts

    async def close(self) -> None:
        self.closing = True
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            try:
                transport.send_close(WSCloseCode.OK)
                await asyncio.wait_for(transport.wait_disconnected(), 3)
            except Exception as error:
                self.errors.append(f"close: {error!r}")
                transport.disconnect()
