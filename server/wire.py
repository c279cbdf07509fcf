"""The y-protocols wire format (DESIGN §8), parsed strictly: bytes in, typed messages out.

Frame = varuint message type, then the body:
- 0 sync: varuint sync type (0 step1 | 1 step2 | 2 update) + varuint-length-prefixed bytes;
- 1 awareness: varuint-length-prefixed awareness update;
- 3 query-awareness: nothing;
- ≥ 100: our own messages (a JSON notice as a length-prefixed UTF-8 string); clients that do
  not know them ignore them.

pycrdt's `Encoder.write_var_string` writes the length in characters, not bytes (DESIGN §11), so
strings are framed here, as UTF-8 bytes with a varuint byte length.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

MAX_VARUINT_BYTES = 8  # 2**56: far past any frame we accept


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3
    NOTICE = 100  # ours: a JSON notice for one client


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


class MalformedFrame(ValueError):
    """A frame that does not follow the protocol; the connection is closed with 4400."""


@dataclass(frozen=True)
class Sync:
    kind: SyncType
    payload: bytes  # step1: a state vector; step2/update: a Yjs update


@dataclass(frozen=True)
class Awareness:
    payload: bytes  # the awareness update, relayed as is


@dataclass(frozen=True)
class QueryAwareness:
    pass


@dataclass(frozen=True)
class Ignored:
    """A message type we do not act on (auth, or a custom type of another application)."""

    type: int


Message = Sync | Awareness | QueryAwareness | Ignored


def varuint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class Reader:
    """Reads varuints and length-prefixed fields from one frame, refusing anything truncated."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def uint(self) -> int:
        number = shift = 0
        for _ in range(MAX_VARUINT_BYTES):
            if self.pos >= len(self.data):
                raise MalformedFrame("truncated varint")
            byte = self.data[self.pos]
            self.pos += 1
            number |= (byte & 0x7F) << shift
            if byte < 0x80:
                return number
            shift += 7
        raise MalformedFrame("varint too long")

    def chunk(self) -> bytes:
        size = self.uint()
        if size > len(self.data) - self.pos:
            raise MalformedFrame(f"length {size} runs past the end of the frame")
        start, self.pos = self.pos, self.pos + size
        return self.data[start : self.pos]

    def string(self) -> str:
        try:
            return self.chunk().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedFrame("invalid UTF-8 in a string") from exc

    def done(self) -> bool:
        return self.pos == len(self.data)

    def end(self) -> None:
        if not self.done():
            raise MalformedFrame(f"{len(self.data) - self.pos} stray bytes after the message")


def parse(frame: bytes) -> Message:
    """One frame as a message; raises `MalformedFrame`."""
    if not frame:
        raise MalformedFrame("empty frame")
    reader = Reader(frame)
    kind = reader.uint()
    message: Message
    if kind == MessageType.SYNC:
        sync_type = reader.uint()
        if sync_type not in tuple(SyncType):
            raise MalformedFrame(f"unknown sync message type {sync_type}")
        message = Sync(SyncType(sync_type), reader.chunk())
    elif kind == MessageType.AWARENESS:
        message = Awareness(reader.chunk())
    elif kind == MessageType.QUERY_AWARENESS:
        message = QueryAwareness()
    elif kind == MessageType.AUTH or kind >= MessageType.NOTICE:
        return Ignored(kind)
    else:
        raise MalformedFrame(f"unknown message type {kind}")
    reader.end()
    return message


def sync_frame(kind: SyncType, payload: bytes) -> bytes:
    return varuint(MessageType.SYNC) + varuint(kind) + varuint(len(payload)) + payload


def awareness_frame(payload: bytes) -> bytes:
    return varuint(MessageType.AWARENESS) + varuint(len(payload)) + payload


def notice_frame(notice: dict[str, Any]) -> bytes:
    """Our custom message: a JSON notice, UTF-8, with its byte length."""
    body = json.dumps(notice, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return varuint(MessageType.NOTICE) + varuint(len(body)) + body


def parse_notice(frame: bytes) -> dict[str, Any]:
    reader = Reader(frame)
    if reader.uint() != MessageType.NOTICE:
        raise MalformedFrame("not a notice")
    notice = json.loads(reader.string())
    if not isinstance(notice, dict):
        raise MalformedFrame("a notice is a JSON object")
    return notice


@dataclass(frozen=True)
class AwarenessEntry:
    client: int
    clock: int
    state: str  # JSON text; "null" when the client left


def awareness_entries(payload: bytes) -> Iterator[AwarenessEntry]:
    """The entries of an awareness update; raises `MalformedFrame` on anything malformed."""
    reader = Reader(payload)
    count = reader.uint()
    for _ in range(count):
        client, clock, state = reader.uint(), reader.uint(), reader.string()
        try:
            json.loads(state)
        except (ValueError, RecursionError) as exc:
            raise MalformedFrame("awareness state is not JSON") from exc
        yield AwarenessEntry(client, clock, state)
    reader.end()


def awareness_update(entries: list[AwarenessEntry]) -> bytes:
    out = bytearray(varuint(len(entries)))
    for entry in entries:
        body = entry.state.encode("utf-8")
        out += varuint(entry.client) + varuint(entry.clock) + varuint(len(body)) + body
    return bytes(out)
