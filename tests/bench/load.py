"""The load generator's clients: y-protocols over websockets, a pycrdt Doc each, one event loop
(the pure readers may instead be Doc-less: tests/bench/frame_reader.py).

Latency marker: every keystroke is one Yjs update made by a writer at a known time. A receiver
that gets exactly those bytes back (peers relay them as is) marks that keystroke delivered (a
dict lookup). Anything else — an update the server re-encoded or merged — is read for the clock
range of each writer in it (tests/bench/update_clocks.py, once per distinct update): every
keystroke it completes is delivered; a range past what the receiver holds waits for the gap to
fill, as Yjs's pending structs do. Either way a keystroke counts once, when the receiving client
has it (a Client: applied to its own Doc).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Array, Doc, Text
from websockets.asyncio.client import ClientConnection, connect

from server import wire
from tests.bench.update_clocks import update_clocks

CONNECT_TIMEOUT = 30.0
MAX_FRAME = 256 * 1024 * 1024
WORDS = [
    "we",
    "recommend",
    "that",
    "enhanced",
    "cooperation",
    "be",
    "pursued",
    "through",
    "existing",
    "institutions",
]


def state_vector(data: bytes) -> dict[int, int]:
    """Decode an encoded state vector (varuint count, then client/clock varuint pairs)."""
    out: dict[int, int] = {}
    pos = 0

    def uint() -> int:
        nonlocal pos
        number = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            number |= (byte & 0x7F) << shift
            if byte < 0x80:
                return number
            shift += 7

    for _ in range(uint()):
        client = uint()
        out[client] = uint()
    return out


@dataclass
class Keystrokes:
    """One writer's sent keystrokes: end clocks and send times, in order."""

    client_id: int
    draft: int
    clocks: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)


class Ledger:
    """Who sent what when, and who has applied what: latencies, counts, misses."""

    def __init__(self) -> None:
        self.writers: list[Keystrokes] = []
        self.by_client: dict[int, int] = {}  # Yjs client id → writer index
        self.by_update: dict[bytes, tuple[int, int]] = {}  # update bytes → (writer, keystroke)
        self.ranges: dict[bytes, list[tuple[int, int, int]]] = {}  # broadcast → writers' ranges
        self.latencies = array("d")
        self.recording = False
        self.fast = self.slow = 0

    def writer(self, client_id: int, draft: int) -> int:
        self.writers.append(Keystrokes(client_id, draft))
        self.by_client[client_id] = len(self.writers) - 1
        return len(self.writers) - 1

    def sent(self, writer: int, update: bytes, clock_end: int, at: float) -> None:
        log = self.writers[writer]
        self.by_update[update] = (writer, len(log.clocks))
        log.clocks.append(clock_end)
        log.times.append(at)

    def received(self, reader: Receiver, update: bytes, at: float) -> None:
        """``reader`` has ``update`` (applied, or for a Doc-less reader received): mark the
        keystrokes it completes, by the exact bytes or by the writers' clock ranges in it."""
        hit = self.by_update.get(update)
        if hit is not None:
            self.fast += 1
            self._upto(reader, hit[0], hit[1] + 1, at)
            self._release(reader, hit[0], at)
            return
        ranges = self.ranges.get(update)
        if ranges is None:
            self.slow += 1
            ranges = self.ranges[update] = [
                (self.by_client[client], first, end)
                for client, first, end in update_clocks(update)
                if client in self.by_client
            ]
        for writer, first, end in ranges:
            self._through(reader, writer, first, end, at)

    def _through(self, reader: Receiver, writer: int, first: int, end: int, at: float) -> None:
        """The reader got a writer's clocks [first, end): whatever that completes is delivered;
        a range past what the reader holds waits for the gap to fill (Yjs's pending structs)."""
        if writer == reader.writer_index:
            return  # its own keystrokes, back in a merged frame
        clocks = self.writers[writer].clocks
        i = reader.pointers.get(writer, 0)
        if first > (clocks[i - 1] if i else 0):
            reader.pending.setdefault(writer, []).append((first, end))
            return
        while i < len(clocks) and clocks[i] <= end:
            i += 1
        self._upto(reader, writer, i, at)
        self._release(reader, writer, at)

    def _release(self, reader: Receiver, writer: int, at: float) -> None:
        """Ranges that waited past a gap the reader now holds up to: delivered too."""
        waiting = reader.pending.get(writer)
        if not waiting:
            return
        i = reader.pointers.get(writer, 0)
        held = self.writers[writer].clocks[i - 1] if i else 0
        ready = [r for r in waiting if r[0] <= held]
        if ready:
            reader.pending[writer] = [r for r in waiting if r[0] > held]
            for first, end in ready:
                self._through(reader, writer, first, end, at)

    def _upto(self, client: Receiver, writer: int, end: int, at: float) -> None:
        if writer == client.writer_index:
            return
        start = client.pointers.get(writer, 0)
        if end <= start:
            return
        times = self.writers[writer].times
        for i in range(start, end):
            self.latencies.append(at - times[i])
        client.pointers[writer] = end
        client.delivered += end - start

    def missing(self, clients: Sequence[Receiver]) -> int:
        missing = 0
        for client in clients:
            for w, log in enumerate(self.writers):
                if log.draft == client.draft and w != client.writer_index:
                    missing += len(log.clocks) - client.pointers.get(w, 0)
        return missing

    def expected(self, clients: list[Client]) -> int:
        per_draft: dict[int, int] = {}
        for client in clients:
            per_draft[client.draft] = per_draft.get(client.draft, 0) + 1
        return sum(len(log.clocks) * (per_draft.get(log.draft, 1) - 1) for log in self.writers)


_awareness_ids = itertools.count(10_000_000)


def _length(frame: bytes) -> tuple[int, int]:
    """Where a sync frame's payload starts, and its length (after the two type bytes)."""
    pos, size, shift = 2, 0, 0
    while True:
        byte = frame[pos]
        pos += 1
        size |= (byte & 0x7F) << shift
        if byte < 0x80:
            return pos, size
        shift += 7


class Receiver:
    """What every client of the load keeps about what it received (the ledger's marks, its
    sync, its troubles): a Client, or a Doc-less FrameReader (tests/bench/frame_reader.py)."""

    def __init__(self, url: str, draft: int, ledger: Ledger, keep_doc: bool) -> None:
        self.url = url
        self.draft = draft
        self.ledger = ledger
        self.keep_doc = keep_doc
        self.writer_index: int | None = None
        self.pointers: dict[int, int] = {}  # writer → keystrokes delivered
        self.pending: dict[int, list[tuple[int, int]]] = {}  # writer → ranges past a gap
        self.delivered = 0
        self.synced = asyncio.Event()
        self.ended = asyncio.Event()
        self.sync_seconds: float | None = None
        self.sync_bytes = 0
        self.rejected: list[dict[str, Any]] = []
        self.awareness_in = 0
        self.closed_with: tuple[int | None, str] | None = None
        self.errors: list[str] = []


class Client(Receiver):
    """One websocket client with its own Doc; a writer types into one paragraph as a member."""

    def __init__(
        self,
        url: str,
        draft: int,
        ledger: Ledger,
        *,
        code: str | None = None,
        paragraph: int = 0,
        keep_doc: bool = True,
    ) -> None:
        super().__init__(url, draft, ledger, keep_doc)
        self.code = code
        self.paragraph = paragraph
        self.doc: Doc = Doc()
        self.ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._started = 0.0
        self._amendment = 0
        self._typed = 0
        self._awareness_clock = 0
        self._awareness_id = next(_awareness_ids)

    async def open(self) -> None:
        self._started = time.perf_counter()
        self.ws = await connect(
            self.url,
            max_size=MAX_FRAME,
            compression=None,
            ping_interval=None,
            open_timeout=CONNECT_TIMEOUT,
            close_timeout=2,
            max_queue=None,
        )
        await self.ws.send(wire.sync_frame(wire.SyncType.STEP1, self.doc.get_state()))
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                if isinstance(frame, str):
                    continue
                self._frame(frame)
        except Exception as error:  # the connection broke: recorded, reported
            self.errors.append(repr(error))
        finally:
            close = self.ws.close_code, self.ws.close_reason or ""
            self.closed_with = close
            self.ended.set()

    def _frame(self, frame: bytes) -> None:
        kind = frame[0]
        if kind == wire.MessageType.AWARENESS:
            self.awareness_in += 1
            return
        if kind == 0 and frame[1] == wire.SyncType.UPDATE and self.synced.is_set():
            # the hot path, without the strict parser: varuint length, then the update
            pos, size = _length(frame)
            update = frame[pos : pos + size]
            now = time.perf_counter()
            self.doc.apply_update(update)
            self.ledger.received(self, update, now)
            return
        if kind == 0 and frame[1] == wire.SyncType.STEP2 and not self.synced.is_set():
            # the first full sync (may be 20 MB): timed, and copied only when it is kept
            self.sync_seconds = time.perf_counter() - self._started
            pos, self.sync_bytes = _length(frame)
            if self.keep_doc:
                self.doc.apply_update(frame[pos : pos + self.sync_bytes])
            self.synced.set()
            return
        message = wire.parse(frame)
        if isinstance(message, wire.Sync):
            if message.kind == wire.SyncType.STEP1:
                reply = wire.sync_frame(wire.SyncType.STEP2, self.doc.get_update(message.payload))
                asyncio.get_running_loop().create_task(self._send(reply))
            elif message.kind == wire.SyncType.STEP2 and not self.synced.is_set():
                self.sync_seconds = time.perf_counter() - self._started
                self.sync_bytes = len(message.payload)
                if self.keep_doc:
                    self.doc.apply_update(message.payload)
                self.synced.set()
            else:
                now = time.perf_counter()
                self.doc.apply_update(message.payload)
                self.ledger.received(self, message.payload, now)
        elif isinstance(message, wire.Ignored) and message.type == wire.MessageType.NOTICE:
            notice = wire.parse_notice(frame)
            if notice.get("type") == "rejected":
                self.rejected.append(notice)

    async def _send(self, frame: bytes) -> None:
        try:
            assert self.ws is not None
            await self.ws.send(frame)
        except Exception as error:
            self.errors.append(repr(error))

    # -- writing ----------------------------------------------------------------------------

    def make_writer(self) -> None:
        self.writer_index = self.ledger.writer(self.doc.client_id, self.draft)

    def _text(self) -> Text:
        paragraphs = self.doc.get("paragraphs", type=Array)
        return paragraphs[self.paragraph % len(paragraphs)]["text"]

    async def keystroke(self, amend_every: int) -> None:
        """Type one character at the end of the paragraph, in suggestion mode (own `ins` id)."""
        assert self.writer_index is not None and self.code is not None
        if self._typed % amend_every == 0:
            self._amendment += 1
        word = WORDS[(self._typed // 8) % len(WORDS)]
        char = (word + " ")[self._typed % (len(word) + 1)]
        self._typed += 1
        text = self._text()
        before = self.doc.get_state()
        text.insert(len(text), char, {"ins": f"{self.code}-{self._amendment}"})
        update = self.doc.get_update(before)
        at = time.perf_counter()
        clock = state_vector(self.doc.get_state())[self.doc.client_id]
        self.ledger.sent(self.writer_index, update, clock, at)
        await self._send(wire.sync_frame(wire.SyncType.UPDATE, update))

    async def presence(self) -> None:
        """An awareness update: this client's cursor moved."""
        self._awareness_clock += 1
        state = json.dumps(
            {"user": {"name": f"client {self._awareness_id}"}, "cursor": self._awareness_clock}
        )
        entry = wire.AwarenessEntry(self._awareness_id, self._awareness_clock, state)
        await self._send(wire.awareness_frame(wire.awareness_update([entry])))

    # -- the end --------------------------------------------------------------------------

    def paragraph_texts(self) -> list[str]:
        return [str(p["text"]) for p in self.doc.get("paragraphs", type=Array)]

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 3)
            except Exception as error:
                self.errors.append(f"close: {error!r}")
        if self._reader is not None:
            self._reader.cancel()


async def open_all(clients: list[Client], parallel: int, timeout: float) -> list[str]:
    """Connect and sync every client (``parallel`` at a time); the failures, as text. Never
    raises: a client not synced within ``timeout`` is a failure."""
    gate = asyncio.Semaphore(parallel)
    failures: list[str] = []

    async def one(client: Client) -> None:
        async with gate:
            try:
                await client.open()
                waits = [asyncio.ensure_future(e.wait()) for e in (client.synced, client.ended)]
                await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for wait in waits:
                    wait.cancel()
                if not client.synced.is_set():
                    raise RuntimeError(
                        f"not synced after {timeout:.0f}s"
                        if client.closed_with is None
                        else f"closed with {client.closed_with} before sync"
                    )
            except Exception as error:
                failures.append(f"{client.url.split('?')[0]}: {error!r}")

    tasks = [asyncio.ensure_future(one(c)) for c in clients]
    _done, pending = await asyncio.wait(tasks, timeout=timeout * 2 + 30)
    for task in pending:
        task.cancel()
        failures.append("connect/sync never finished")
    return failures


class LoopLag:
    """How late the generator's event loop wakes up: when high, the generator is saturated."""

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.lags = array("d")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.period)
            self.lags.append(time.perf_counter() - before - self.period)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
