"""A Python client of a Rolling Text server: the Yjs sync channel plus the procedure API.

    async with LiveClient("http://127.0.0.1:8000", draft_id, token) as c:
        await c.wait_for(lambda: c.paragraph_ids())
        c.insert("par-07", 10, "strongly ", "BRA-1")       # a bracketed insertion as BRA-1
        await c.wait_for(lambda: "BRA-1" in c.amendments())
        status, body = await c.api("POST", "/objections", {"target": "paragraph:par-07"})

Text indices are Python characters; the document schema is `server.livedoc` (DESIGN §4).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import httpx
import websockets
from pycrdt import Doc, TransactionEvent

from drafting.runs import Delete, Insert, Retain, Runs, del_key, length, plain
from server import wire
from server.livedoc import LiveDoc

log = logging.getLogger(__name__)
REMOTE = "remote"


class LiveClient:
    def __init__(self, base_url: str, draft_id: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.draft_id = draft_id
        self.token = token
        self.live = LiveDoc(Doc())
        self.notices: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.synced = asyncio.Event()
        # One event per waiter (`wait_for`), set on every change this client sees.
        self._watchers: set[asyncio.Event] = set()
        self._ws: Any = None
        self._applying_remote = False
        self._reader: asyncio.Task[None] | None = None
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        self._subscription = self.live.doc.observe(self._on_transaction)

    # -- connection ------------------------------------------------------------------------

    @property
    def sync_url(self) -> str:
        ws_base = "ws" + self.base_url.removeprefix("http")
        return f"{ws_base}/drafts/{self.draft_id}/sync?token={self.token}"

    async def connect(self) -> LiveClient:
        self._ws = await websockets.connect(self.sync_url, max_size=None)
        self.closed = None
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await self._send(wire.sync_frame(wire.SyncType.STEP1, self.live.doc.get_state()))
        return self

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        self._ws = None
        self.synced.clear()

    async def close(self) -> None:
        await self.disconnect()
        await self._http.aclose()
        # pycrdt keeps observers out of the garbage collector's sight: drop ours, or the
        # client (which the callback refers to) lives as long as the process.
        self.live.doc.unobserve(self._subscription)
        self.live.close()

    async def __aenter__(self) -> LiveClient:
        return await self.connect()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def send_raw(self, frame: bytes | str) -> None:
        """Send any frame as is (tests use this to send malformed ones)."""
        await self._ws.send(frame)

    async def _send(self, frame: bytes) -> None:
        """Send a frame; a connection the server already closed is recorded by the reader
        (`closed`), not raised here — the server may refuse a connection at once (4429)."""
        if self._ws is not None:
            with contextlib.suppress(websockets.ConnectionClosed):
                await self._ws.send(frame)

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                if isinstance(frame, bytes):
                    await self._handle(frame)
        except websockets.ConnectionClosed:
            pass
        finally:
            close = getattr(self._ws, "close_code", None), getattr(self._ws, "close_reason", "")
            self.closed = (close[0] or 1006, close[1] or "")
            self._notify()

    async def _handle(self, frame: bytes) -> None:
        reader = wire.Reader(frame)
        kind = reader.uint()
        if kind == wire.MessageType.NOTICE:
            self.notices.append(wire.parse_notice(frame))
        else:
            message = wire.parse(frame)
            if isinstance(message, wire.Sync):
                if message.kind == wire.SyncType.STEP1:
                    update = self.live.doc.get_update(message.payload)
                    await self._send(wire.sync_frame(wire.SyncType.STEP2, update))
                else:
                    self._applying_remote = True
                    try:
                        with self.live.doc.transaction(origin=REMOTE):
                            self.live.doc.apply_update(message.payload)
                    finally:
                        self._applying_remote = False
                    if message.kind == wire.SyncType.STEP2:
                        self.synced.set()
        self._notify()

    def _on_transaction(self, event: TransactionEvent) -> None:
        """Send every local change to the server as it happens."""
        if self._applying_remote or self._ws is None:
            return
        frame = wire.sync_frame(wire.SyncType.UPDATE, event.update)
        asyncio.get_running_loop().create_task(self._send(frame))

    def _notify(self) -> None:
        for watcher in self._watchers:
            watcher.set()

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 10.0,
        *,
        also: Iterable[LiveClient] = (),
    ) -> Any:
        """Wait until ``predicate()`` is truthy; its value. It is re-checked on every change this
        client sees, and on every change the clients in ``also`` see: a predicate that reads
        other clients must name them, or the change that makes it true may reach only one of
        them, after this client's last frame, and never be looked at."""
        changed = asyncio.Event()
        watched = [self, *also]
        for client in watched:
            client._watchers.add(changed)

        async def until() -> Any:
            while not (value := predicate()):
                changed.clear()  # (nothing runs between the check and here: no change is lost)
                await changed.wait()
            return value

        try:
            return await asyncio.wait_for(until(), timeout)
        finally:
            for client in watched:
                client._watchers.discard(changed)

    # -- reading -----------------------------------------------------------------------------

    def paragraph_ids(self) -> list[str]:
        return self.live.paragraph_ids()

    def runs(self, paragraph_id: str) -> Runs:
        return self.live.runs(paragraph_id)

    def text(self, paragraph_id: str) -> str:
        return plain(self.runs(paragraph_id))

    def paragraph(self, paragraph_id: str) -> dict[str, Any]:
        found = self.live.paragraph_map(paragraph_id)
        fields = found.to_py() if found is not None else None
        return {k: v for k, v in (fields or {}).items() if k != "text"}

    def amendments(self) -> dict[str, Any]:
        return self.live.records["amendments"].to_py() or {}

    # -- typing (suggestion mode) ------------------------------------------------------------

    def insert(self, paragraph_id: str, index: int, text: str, amendment_id: str) -> None:
        """Propose inserting ``text`` at character ``index``, bracketed as ``amendment_id``."""
        self.live.apply_delta(paragraph_id, (Retain(index), Insert(text, {"ins": amendment_id})))

    def insert_plain(self, paragraph_id: str, index: int, text: str) -> None:
        """Insert base text (only the Chair and secretariat may)."""
        self.live.apply_delta(paragraph_id, (Retain(index), Insert(text, {})))

    def mark_deletion(self, paragraph_id: str, start: int, stop: int, amendment_id: str) -> None:
        """Propose deleting base text ``[start, stop)``: the words stay, struck, in brackets."""
        self.live.apply_delta(
            paragraph_id, (Retain(start), Retain(stop - start, {del_key(amendment_id): True}))
        )

    def delete(self, paragraph_id: str, start: int, stop: int) -> None:
        """Delete characters outright (own insertions for members; base text for the Chair)."""
        self.live.apply_delta(paragraph_id, (Retain(start), Delete(stop - start)))

    def length(self, paragraph_id: str) -> int:
        return length(self.runs(paragraph_id))

    # -- the procedure API -------------------------------------------------------------------

    async def api(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """Call the API at ``/api/drafts/<draft>`` + ``path``; the status and the JSON answer."""
        url = f"/api/drafts/{self.draft_id}{path}"
        response = await self._http.request(method, url, json=body)
        return response.status_code, response.json()
