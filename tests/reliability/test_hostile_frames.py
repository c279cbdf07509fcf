"""Hostile y-protocols frames: the sender is closed with the documented code, nothing else moves.

A hypothesis generator of broken frames (truncated varints, lengths past the frame, unknown
message and sync types, garbage Yjs payloads, stray bytes, awareness states that are not UTF-8,
not JSON, not objects, nested 10,000 levels deep or huge, frames over ``MAX_MESSAGE_BYTES``, text
frames, empty frames) against ONE server process. Each case opens a fresh raw websocket, sends the
frame and then a probe (sync step 1, answered in order): a close code, or the probe's answer
proving the frame was taken as valid. Then, for every case: the close code is the documented one
(4400 malformed, 4413 over the size limit; a frame that is valid may stay open), /healthz answers,
and the stored record and Yjs update log are unchanged. Every `CHECK_EVERY` cases and at the end,
a member's edit must reach a watcher in the room, and the draft as a fresh client loads it
(every paragraph's runs) and the record (GET /events) must equal what they were before.

2,000 cases in the test run; ``HOSTILE_EXAMPLES=100000 .venv/bin/pytest
tests/reliability/test_hostile_frames.py -q`` for the long run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client.live import LiveClient
from drafting import demo
from drafting.runs import Run
from server import wire
from server.storage import Storage
from tests.reliability.conftest import Demo

MAX_BYTES = 65536
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2000"))
CHECK_EVERY = 100
DEADLINE = 10.0
OPEN = None  # the connection stayed open: the frame was taken as valid
MALFORMED = frozenset({4400})
TOO_LARGE = frozenset({4413})
MAYBE_VALID = frozenset({4400, OPEN})
VALID = frozenset({OPEN})
HOSTILE_CODES = ("CHN", "EGY", "IND", "KEN", "CHAIR", "SECRETARIAT", "WIKI", "ICANN")
LIVENESS_PARAGRAPH = "par-20"


@pytest.fixture(scope="module")
def shared_env() -> dict[str, str]:
    return {
        "MAX_MESSAGE_BYTES": str(MAX_BYTES),
        "CONNECTIONS_PER_TOKEN": "100000",
        "COMPACT_EVERY_UPDATES": "1000000000",  # keep the update log whole: rows are counted
        "IDLE_UNLOAD_SECONDS": "3600",
        "MESSAGES_PER_SECOND": "100000",
        "MESSAGE_BURST": "100000",
    }


# -- the generator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: str
    frame: bytes | str
    expected: frozenset[int | None]

    def __repr__(self) -> str:
        shown = self.frame if len(self.frame) <= 80 else self.frame[:80]
        return f"Case({self.kind}, {len(self.frame)} bytes: {shown!r}, expect {set(self.expected)})"


v = wire.varuint
small_bytes = st.binary(min_size=0, max_size=48)


CLIENT_IDS = itertools.count(9_000_000)  # each case its own awareness client ids


def awareness(states: list[bytes], count: int | None = None) -> bytes:
    body = bytearray(v(len(states) if count is None else count))
    for state in states:
        body += v(next(CLIENT_IDS)) + v(1) + v(len(state)) + state
    return wire.awareness_frame(bytes(body))


def nested(depth: int) -> bytes:
    return (b'{"a":' * depth) + b"{}" + (b"}" * depth)


def state_verdict(state: bytes) -> frozenset[int | None]:
    """An independent reading of y-protocols awareness: a state is UTF-8 JSON, object or null."""
    try:
        parsed = json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return MALFORMED
    return VALID if parsed is None or isinstance(parsed, dict) else MALFORMED


@st.composite
def truncated_varint(draw: Any) -> Case:
    prefix = draw(st.sampled_from([b"", b"\x00", b"\x00\x02", b"\x01", b"\x00\x01"]))
    continuation = draw(st.binary(min_size=1, max_size=7)).translate(
        bytes(b | 0x80 for b in range(256))
    )
    return Case("truncated_varint", prefix + continuation, MALFORMED)


@st.composite
def overlong_varint(draw: Any) -> Case:
    return Case("overlong_varint", b"\xff" * draw(st.integers(9, 20)) + b"\x01", MALFORMED)


@st.composite
def length_past_end(draw: Any) -> Case:
    payload = draw(small_bytes)
    extra = draw(st.integers(1, 2**40))
    header = draw(
        st.sampled_from(
            [v(0) + v(0), v(0) + v(1), v(0) + v(2), v(1)]  # sync step1/step2/update, awareness
        )
    )
    return Case("length_past_end", header + v(len(payload) + extra) + payload, MALFORMED)


@st.composite
def unknown_type(draw: Any) -> Case:
    kind = draw(st.integers(4, 99))
    return Case("unknown_type", v(kind) + draw(small_bytes), MALFORMED)


@st.composite
def unknown_sync_type(draw: Any) -> Case:
    kind = draw(st.integers(3, 300))
    return Case("unknown_sync_type", v(0) + v(kind) + draw(small_bytes), MALFORMED)


@st.composite
def ignored_type(draw: Any) -> Case:
    """Auth (2) and custom types (≥ 100) are ignored, whatever follows: the frame is valid."""
    kind = draw(st.one_of(st.just(2), st.integers(100, 2**20)))
    return Case("ignored_type", v(kind) + draw(small_bytes), VALID)


@st.composite
def garbage_yjs(draw: Any) -> Case:
    sync = draw(st.sampled_from(list(wire.SyncType)))
    payload = draw(st.binary(min_size=1, max_size=64))
    if payload == b"\x00\x00" and sync != wire.SyncType.STEP1:
        payload = b"\x00\x01"
    return Case(f"garbage_yjs_{sync.name.lower()}", wire.sync_frame(sync, payload), MAYBE_VALID)


@st.composite
def stray_bytes(draw: Any) -> Case:
    valid = draw(
        st.sampled_from(
            [
                wire.sync_frame(wire.SyncType.STEP1, b"\x00"),
                wire.sync_frame(wire.SyncType.UPDATE, b"\x00\x00"),
                v(3),
                awareness([b"null"]),
            ]
        )
    )
    return Case("stray_bytes", valid + draw(st.binary(min_size=1, max_size=16)), MALFORMED)


@st.composite
def awareness_state(draw: Any) -> Case:
    state = draw(
        st.one_of(
            st.binary(max_size=32).map(lambda b: b + b"\xff\xfe"),  # invalid UTF-8
            st.text(max_size=32).map(lambda t: ("{" + t).encode()),  # not JSON
            st.sampled_from([b"1", b'"me"', b"[1,2]", b"true", b"3.5e8", b"[]"]),  # not objects
            st.sampled_from([b"null", b"{}", b'{"user":{"name":"x"}}']),  # valid
            st.dictionaries(st.text(max_size=8), st.integers(), max_size=4).map(
                lambda d: json.dumps(d).encode()
            ),
            st.sampled_from([10, 500, 5_000, 10_000, 20_000]).map(nested),  # deeply nested
        )
    )
    frame = awareness([state])
    return Case(
        "awareness_state", frame, TOO_LARGE if len(frame) > MAX_BYTES else state_verdict(state)
    )


@st.composite
def awareness_count(draw: Any) -> Case:
    """An entry count that does not match the entries (truncated) or trailing entries."""
    states = [b"null"] * draw(st.integers(0, 3))
    count = draw(st.integers(len(states) + 1, 2**32))
    return Case("awareness_count", awareness(states, count), MALFORMED)


@st.composite
def huge_awareness(draw: Any) -> Case:
    size = draw(st.integers(1_000, MAX_BYTES * 2))
    filler = draw(st.sampled_from(["x", "é", "\u2603"]))
    state = json.dumps({"name": filler * (size // len(filler.encode()))}).encode()
    frame = awareness([state])
    return Case("huge_awareness", frame, TOO_LARGE if len(frame) > MAX_BYTES else VALID)


@st.composite
def oversize(draw: Any) -> Case:
    size = draw(st.integers(MAX_BYTES + 1, MAX_BYTES * 3))
    head = draw(st.sampled_from([v(0) + v(2), v(1), b"\xff", v(3)]))
    return Case("oversize", (head + b"\x00" * size)[:size], TOO_LARGE)


@st.composite
def text_frame(draw: Any) -> Case:
    return Case("text_frame", draw(st.text(max_size=32)), MALFORMED)


def hostile_frames() -> st.SearchStrategy[Case]:
    return st.one_of(
        truncated_varint(),
        overlong_varint(),
        length_past_end(),
        unknown_type(),
        unknown_sync_type(),
        ignored_type(),
        garbage_yjs(),
        stray_bytes(),
        awareness_state(),
        awareness_count(),
        huge_awareness(),
        oversize(),
        text_frame(),
        st.just(Case("empty_frame", b"", MALFORMED)),
    )


# -- the harness --------------------------------------------------------------------------------


def runs_view(runs: tuple[Run, ...]) -> list[tuple[str, dict[str, Any]]]:
    return [(run.text, dict(run.attrs)) for run in runs]


def sync_url(demo: Demo, token: str) -> str:
    """The sync URL for a token (a `LiveClient` would build an HTTP client just to say it)."""
    base = "ws" + demo.server.base_url.removeprefix("http")
    return f"{base}/drafts/{demo.draft_id}/sync?token={token}"


@dataclass
class Harness:
    demo: Demo
    loop: asyncio.AbstractEventLoop
    storage: Storage
    writer: LiveClient | None = None
    watcher: LiveClient | None = None
    http: httpx.AsyncClient | None = None
    cases: int = 0
    edits: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    senders: Iterator[str] = field(default_factory=lambda: itertools.cycle(HOSTILE_CODES))
    stored: tuple[Any, ...] = ()
    draft: Any = None

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, 60))

    async def start(self) -> None:
        self.http = httpx.AsyncClient(base_url=self.demo.server.base_url, timeout=DEADLINE)
        self.writer = await self._synced("BRA")
        self.watcher = await self._synced("USA")
        await self.checkpoint()

    async def stop(self) -> None:
        for client in (self.writer, self.watcher):
            if client is not None:
                await client.close()
        if self.http is not None:
            await self.http.aclose()

    async def _synced(self, code: str) -> LiveClient:
        client = await self.demo.client(code).connect()
        await client.wait_for(
            lambda: client.synced.is_set() and len(client.paragraph_ids()) == len(demo.PARAGRAPHS)
        )
        return client

    def fingerprint(self) -> tuple[Any, ...]:
        """What storage holds of the draft: the record's length and the whole update log."""
        draft_id = self.demo.draft_id
        updates = self.storage.updates(draft_id)
        return (self.storage.last_seq(draft_id), [(u.id, u.data) for u in updates])

    async def loaded_draft(self) -> tuple[Any, Any]:
        """Every paragraph's runs as a fresh client loads them, and the record."""
        fresh = await self._synced("IFLA")
        try:
            runs = {p: runs_view(fresh.runs(p)) for p in fresh.paragraph_ids()}
        finally:
            await fresh.close()
        assert self.http is not None
        answer = await self.http.get(
            f"/api/drafts/{self.demo.draft_id}/events",
            headers={"Authorization": f"Bearer {self.demo.tokens['IFLA']}"},
        )
        assert answer.status_code == 200
        return runs, answer.json()["events"]

    async def checkpoint(self) -> None:
        """The draft is what it was at the last checkpoint; then an edit must reach the watcher."""
        loaded = await self.loaded_draft()
        if self.draft is not None:
            assert loaded == self.draft, "hostile frames changed the stored draft"
        assert self.writer is not None and self.watcher is not None
        assert self.writer.closed is None and self.watcher.closed is None
        self.edits += 1
        marker, ident = f"<live {self.edits}>", f"BRA-live-{self.edits}"
        self.writer.insert(LIVENESS_PARAGRAPH, 0, marker, ident)
        watcher = self.watcher
        await watcher.wait_for(lambda: watcher.text(LIVENESS_PARAGRAPH).startswith(marker))
        await watcher.wait_for(lambda: ident in watcher.amendments())
        self.draft = await self.loaded_draft()
        self.stored = self.fingerprint()

    async def send(self, case: Case) -> int | None:
        """Send the frame, then a probe: the close code, or None when the probe was answered."""
        url = sync_url(self.demo, self.demo.tokens[next(self.senders)])
        async with websockets.connect(url, max_size=None) as ws:
            try:
                await ws.send(case.frame)
                await ws.send(wire.sync_frame(wire.SyncType.STEP1, b"\x00"))
                while True:
                    frame = await asyncio.wait_for(ws.recv(), DEADLINE)
                    if isinstance(frame, bytes) and frame[:2] == bytes([0, wire.SyncType.STEP2]):
                        return OPEN
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None, f"closed without a close frame: {closed!r}"
                assert closed.rcvd.reason, "every close carries a reason"
                return closed.rcvd.code

    async def check(self, case: Case) -> None:
        self.cases += 1
        self.kinds[case.kind] = self.kinds.get(case.kind, 0) + 1
        code = await self.send(case)
        assert code in case.expected, f"{case!r}: closed with {code}"
        assert self.http is not None
        assert (await self.http.get("/healthz")).status_code == 200
        if code is OPEN and isinstance(case.frame, bytes) and case.frame[:1] == b"\x00":
            # a Yjs payload taken as valid: it still must not have changed the draft
            assert (await self.loaded_draft()) == self.draft, f"{case!r} changed the draft"
            self.stored = self.fingerprint()
        else:
            assert self.fingerprint() == self.stored, f"{case!r} changed what is stored"
        if self.cases % CHECK_EVERY == 0:
            await self.checkpoint()


@pytest.fixture(scope="module")
def harness(shared_server: Demo) -> Iterator[Harness]:
    loop = asyncio.new_event_loop()
    storage = Storage.open(shared_server.server.database_url)
    harness = Harness(shared_server, loop, storage)
    try:
        harness.run(harness.start())
        yield harness
    finally:
        harness.run(harness.stop())
        storage.close()
        loop.close()


def test_hostile_frames_close_the_sender_and_change_nothing(harness: Harness) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=hostile_frames())
    def one_case(case: Case) -> None:
        harness.run(harness.check(case))

    one_case()
    harness.run(harness.checkpoint())
    assert harness.cases >= EXAMPLES, f"only {harness.cases} cases ran"
    missing = {
        "truncated_varint",
        "length_past_end",
        "unknown_type",
        "awareness_state",
        "oversize",
        "text_frame",
        "empty_frame",
    } - harness.kinds.keys()
    assert not missing, f"never generated: {missing}"


def one_state(client: int, state: bytes) -> bytes:
    return wire.awareness_frame(v(1) + v(client) + v(1) + v(len(state)) + state)


def test_a_refused_awareness_state_does_not_capture_its_client_id(harness: Harness) -> None:
    client = next(CLIENT_IDS)
    first = harness.run(harness.send(Case("non_object", one_state(client, b"1"), MALFORMED)))
    assert first == 4400
    again = harness.run(harness.send(Case("non_object", one_state(client, b'"x"'), MALFORMED)))
    assert again == 4400, f"the same malformed state for client {client} was taken ({again})"


def test_query_awareness_is_answered_with_a_valid_awareness_update(harness: Harness) -> None:
    async def answer() -> bytes:
        url = sync_url(harness.demo, harness.demo.tokens["CHN"])
        async with websockets.connect(url, max_size=None) as ws:
            await ws.send(v(wire.MessageType.QUERY_AWARENESS))
            while True:
                frame = await asyncio.wait_for(ws.recv(), DEADLINE)
                assert isinstance(frame, bytes)
                message = wire.parse(frame)
                if isinstance(message, wire.Awareness):
                    return message.payload

    payload = harness.run(answer())
    list(wire.awareness_entries(payload))  # raises MalformedFrame on an empty update
