"""The send fast paths: websocket frames made once per broadcast, presence and document changes
merged per tick."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pycrdt import Doc, Text
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.streams import StreamReader

from server import wire
from server.connection import FRAGMENT_BYTES, DirectWriter, ws_frame
from server.outbox import AwarenessOutbox
from server.update_outbox import UpdateOutbox


def parse_frames(data: bytes) -> list[Frame]:
    """Parse server frames (unmasked) with websockets' own parser."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    frames = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            while True:
                next(parser)
        except StopIteration as done:
            frames.append(done.value)
    return frames


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 300_000])
def test_a_frame_is_a_final_binary_websocket_frame_of_the_payload(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    (frame,) = parse_frames(ws_frame(payload))
    assert (frame.opcode, frame.fin, frame.data) == (Opcode.BINARY, True, payload)


def test_one_payload_is_framed_once_for_every_connection() -> None:
    payload = wire.sync_frame(wire.SyncType.UPDATE, b"\x01\x02")
    assert ws_frame(payload) is ws_frame(payload)


def test_a_large_message_goes_out_as_fragments() -> None:
    written: list[bytes] = []

    class Transport:
        def write(self, data: bytes) -> None:
            written.append(bytes(data))

        def is_closing(self) -> bool:
            return False

    class Conn:  # what `ready` reads of the websockets protocol
        state = State.OPEN

    class Protocol:
        transport = Transport()
        conn = Conn()
        close_sent = False

        def __init__(self) -> None:
            self.writable = asyncio.Event()
            self.writable.set()

    payload = bytes(range(256)) * (FRAGMENT_BYTES // 256 * 2 + 3)
    asyncio.run(DirectWriter(Protocol()).send(payload))
    frames = parse_frames(b"".join(written))
    assert [f.opcode for f in frames] == [Opcode.BINARY, Opcode.CONT, Opcode.CONT]
    assert [f.fin for f in frames] == [False, False, True]
    assert b"".join(f.data for f in frames) == payload


def entry(client: int, clock: int, cursor: int) -> wire.AwarenessEntry:
    return wire.AwarenessEntry(client, clock, json.dumps({"cursor": cursor}))


def test_presence_is_merged_per_tick_and_superseded_states_are_dropped() -> None:
    sent: list[bytes] = []

    async def run() -> None:
        outbox = AwarenessOutbox(sent.append, tick=0.01)
        outbox.add(wire.awareness_update([entry(1, 1, 0)]))  # after a quiet tick: at once
        outbox.add(wire.awareness_update([entry(2, 1, 0), entry(1, 2, 5)]))
        outbox.add(wire.awareness_update([entry(1, 3, 9)]))
        assert len(sent) == 1
        while len(sent) < 2:
            await asyncio.sleep(0.005)
        outbox.close()

    asyncio.run(run())
    frames = [wire.parse(frame) for frame in sent]
    assert all(isinstance(f, wire.Awareness) for f in frames)
    first, second = (list(wire.awareness_entries(f.payload)) for f in frames)  # type: ignore[union-attr]
    assert [(e.client, e.clock) for e in first] == [(1, 1)]
    assert sorted((e.client, e.clock, json.loads(e.state)["cursor"]) for e in second) == [
        (1, 3, 9),
        (2, 1, 0),
    ]


def test_document_changes_within_a_tick_go_out_as_one_merged_frame() -> None:
    doc: Doc[Any] = Doc()
    text = doc.get("t", type=Text)
    updates = []
    for word in ("We ", "recommend ", "cooperation"):
        before = doc.get_state()
        text.insert(len(text), word)
        updates.append(doc.get_update(before))
    sent: list[tuple[bytes, object]] = []

    async def run() -> None:
        # 500 connections: a 10 ms tick
        outbox = UpdateOutbox(lambda frame, exclude: sent.append((frame, exclude)), lambda: 500)
        outbox.add(updates[0], "alice")
        outbox.soon()  # after a quiet tick: at once, to everyone but its sender
        outbox.add(updates[1], "alice")
        outbox.soon()
        outbox.add(updates[2], "bob")
        outbox.soon()
        assert len(sent) == 1
        deadline = asyncio.get_running_loop().time() + 2  # the tick is 10 ms
        while len(sent) < 2 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.002)
        outbox.close()

    asyncio.run(run())
    assert len(sent) == 2  # the two later rounds: one frame
    (first, to_all_but), (second, to_all_but_2) = sent
    assert to_all_but == "alice" and to_all_but_2 is None  # two senders: nobody has it all
    reader: Doc[Any] = Doc()
    for frame in (first, second):
        message = wire.parse(frame)
        assert isinstance(message, wire.Sync) and message.kind == wire.SyncType.UPDATE
        reader.apply_update(message.payload)
    assert str(reader.get("t", type=Text)) == "We recommend cooperation"
