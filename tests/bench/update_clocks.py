"""Which clock range of each Yjs client an encoded update (v1) carries, read off its bytes.

A cheap reader (tests/bench/frame_reader.py) holds no Doc: to know which keystrokes a frame the
server merged or re-encoded delivers, it needs each client's [first clock, end clock) in that
update. pycrdt's ``get_state(update)`` gives end clocks only for a client whose structs start at
clock 0 (as Yjs's encodeStateVectorFromUpdate), so a tick's merged keystrokes read as nothing.

The format (Yjs's UpdateEncoderV1, as yrs writes it): a varuint count of clients; per client a
varuint count of structs, the client id and its first clock; then per struct an info byte and
its fields. A struct's length in clocks is its content's length: a string counts UTF-16 code
units, a deleted run or a GC/skip its stated length, JSON and Any contents their element count,
every other content 1. The delete set after the structs moves no clock and is not read.
"""

from __future__ import annotations

# content refs (info & 0x1F)
GC, DELETED, JSON, BINARY, STRING, EMBED, FORMAT, TYPE, ANY, DOC, SKIP = range(11)
XML_ELEMENT, XML_HOOK = 3, 5  # type refs that carry a name


class UpdateReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def uint(self) -> int:
        data = self.data
        number = shift = 0
        while True:
            byte = data[self.pos]
            self.pos += 1
            number |= (byte & 0x7F) << shift
            if byte < 0x80:
                return number
            shift += 7

    def skip_varint(self) -> None:
        while self.data[self.pos] >= 0x80:
            self.pos += 1
        self.pos += 1

    def skip_bytes(self) -> None:
        size = self.uint()
        self.pos += size

    def string(self) -> str:
        size = self.uint()
        start = self.pos
        self.pos += size
        return self.data[start : self.pos].decode("utf-8")

    def skip_any(self) -> None:
        kind = self.data[self.pos]
        self.pos += 1
        if kind in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if kind == 125:
            self.skip_varint()
        elif kind == 124:
            self.pos += 4
        elif kind in (123, 122):
            self.pos += 8
        elif kind in (119, 116):  # string, bytes
            self.skip_bytes()
        elif kind == 118:  # object
            for _ in range(self.uint()):
                self.skip_bytes()
                self.skip_any()
        elif kind == 117:  # array
            for _ in range(self.uint()):
                self.skip_any()
        else:
            raise ValueError(f"unknown Any type {kind} at byte {self.pos - 1}")

    def content_length(self, ref: int) -> int:
        if ref == DELETED:
            return self.uint()
        if ref in (JSON, ANY):  # a count, then each element (a JSON string, or an Any)
            count = self.uint()
            skip = self.skip_bytes if ref == JSON else self.skip_any
            for _ in range(count):
                skip()
            return count
        if ref == STRING:
            text = self.string()
            return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
        if ref in (BINARY, EMBED):
            self.skip_bytes()
        elif ref == FORMAT:
            self.skip_bytes()
            self.skip_bytes()
        elif ref == TYPE:
            if self.uint() in (XML_ELEMENT, XML_HOOK):
                self.skip_bytes()
        elif ref == DOC:
            self.skip_bytes()
            self.skip_any()
        else:
            raise ValueError(f"unknown content ref {ref} at byte {self.pos}")
        return 1

    def struct_length(self) -> int:
        info = self.data[self.pos]
        self.pos += 1
        ref = info & 0x1F
        if ref in (GC, SKIP):
            return self.uint()
        if info & 0x80:  # origin
            self.uint()
            self.uint()
        if info & 0x40:  # right origin
            self.uint()
            self.uint()
        if not info & 0xC0:  # no origin at all: the parent is written out
            if self.uint():
                self.skip_bytes()  # a root type's name
            else:
                self.uint()  # the parent item's id
                self.uint()
            if info & 0x20:
                self.skip_bytes()  # the key in a map
        return self.content_length(ref)


def update_clocks(update: bytes) -> list[tuple[int, int, int]]:
    """The clock ranges an encoded v1 update carries: (client, first clock, end clock), in
    order; a skip (a hole Yjs writes between two carried ranges of one client) splits them."""
    reader = UpdateReader(update)
    ranges: list[tuple[int, int, int]] = []
    for _ in range(reader.uint()):
        structs = reader.uint()
        client = reader.uint()
        first = clock = reader.uint()
        for _ in range(structs):
            skip = reader.data[reader.pos] & 0x1F == SKIP
            length = reader.struct_length()
            if skip:
                if clock > first:
                    ranges.append((client, first, clock))
                first = clock + length
            clock += length
        if clock > first:
            ranges.append((client, first, clock))
    return ranges
