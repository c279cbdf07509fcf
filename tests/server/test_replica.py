"""Two server processes holding one draft, played in one event loop: two `Rooms` over one
database, joined by an in-memory bus whose messages the test delivers when it chooses — so a
race between a rebase and the bus can be set up exactly."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from pycrdt import Doc, TransactionEvent

from client.seeding import seed_demo
from drafting import commands as cmd
from drafting import demo
from drafting.delegation import Delegation
from drafting.runs import Insert, Retain
from drafting.suggestion import Editor
from server.bus import BusMessage, Handler
from server.connection import Connection
from server.livedoc import LiveDoc
from server.room import Room
from server.rooms import Rooms
from server.settings import Settings
from server.storage import Storage
from server.storage.records import CatchUp

P = "par-07"


class Hub:
    """Holds what every bus publishes until `deliver`."""

    def __init__(self) -> None:
        self.buses: list[HubBus] = []
        self.held: list[tuple[HubBus, str, bytes]] = []

    def deliver(self) -> None:
        held, self.held = self.held, []
        for sender, draft_id, data in held:
            for bus in self.buses:
                handler = bus.handlers.get(draft_id)
                if bus is not sender and handler is not None:
                    handler(BusMessage.decode(data))


class HubBus:
    def __init__(self, hub: Hub) -> None:
        self.process_id = uuid.uuid4().hex
        self.hub = hub
        self.handlers: dict[str, Handler] = {}
        hub.buses.append(self)

    @property
    def shared(self) -> bool:
        return True

    async def start(self) -> None:
        return None

    async def subscribe(self, draft_id: str, handler: Handler) -> None:
        self.handlers[draft_id] = handler

    async def unsubscribe(self, draft_id: str) -> None:
        self.handlers.pop(draft_id, None)

    def publish(self, draft_id: str, message: BusMessage) -> None:
        self.hub.held.append((self, draft_id, message.encode()))

    async def close(self) -> None:
        return None


class HeldRead:
    """A storage whose next `catch_up` read, once done, waits for `release` before returning
    (what a slow read under load does), telling `read` that it has read."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self.read = threading.Event()
        self.release = threading.Event()
        self._armed = True

    def catch_up(self, draft_id: str, after_seq: int, after_update_id: int) -> CatchUp:
        found = self._storage.catch_up(draft_id, after_seq, after_update_id)
        if self._armed:
            self._armed = False
            self.read.set()
            self.release.wait(30)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


class Typist:
    """A delegate's copy of the draft on one room, sending each edit as a client does."""

    def __init__(self, room: Room, delegation: Delegation) -> None:
        self.room = room
        self.delegation = delegation
        self.editor = Editor(delegation.code, delegation.role)
        self.awareness_clients: set[int] = set()
        self.frames: list[bytes] = []
        self.live = LiveDoc(Doc())
        self.live.doc.apply_update(room.live.doc.get_update())
        self._sent: list[bytes] = []
        self._subscription = self.live.doc.observe(self._local)

    def _local(self, event: TransactionEvent) -> None:
        self._sent.append(event.update)

    def insert(self, index: int, text: str, amendment: str) -> None:
        self.live.apply_delta(P, (Retain(index), Insert(text, {"ins": amendment})))
        sent, self._sent = self._sent, []
        for update in sent:
            self.room.client_update(cast(Connection, self), update)

    def send(self, frame: bytes) -> None:
        self.frames.append(frame)

    def close(self, code: int, reason: str) -> None:
        raise AssertionError(f"closed {code}: {reason}")

    def forget(self) -> None:
        self.live.doc.unobserve(self._subscription)
        self.live.close()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    storage = Storage.open(url)
    storage.migrate()
    seed_demo(storage)
    storage.close()
    yield url


async def test_a_rebase_never_steps_the_record_back_past_what_the_bus_brought(
    database: str,
) -> None:
    """Process 0's text-only round meets event s+1 of process 1 and is rebased; while its read
    of the record is under way, the bus brings s+1 and s+2 (committed after the read). The
    rebase must build on s+2, not fall back to what its read saw."""
    hub = Hub()
    storages = [Storage.open(database), Storage.open(database)]
    settings = Settings(idle_unload_seconds=3600)
    processes = [Rooms(s, settings, HubBus(hub)) for s in storages]
    bra: Typist | None = None
    try:
        room0, room1 = [await p.get(demo.DRAFT_ID) for p in processes]
        usa = room1.roster["USA"]
        bra = Typist(room0, room0.roster["BRA"])
        bra.insert(0, "B", "BRA-long")
        await room0.committer.flushed()
        hub.deliver()
        assert room1.draft.amendments["BRA-long"].pending
        start = room0.draft.seq

        await processes[1].execute(demo.DRAFT_ID, cmd.Reserve("r-1", "draft", "One."), usa)
        held = HeldRead(storages[0])
        room0.storage = cast(Storage, held)
        rebased: list[int] = []
        rebase = room0.committer.rebase
        assert rebase is not None

        async def watched(batches: list[Any]) -> bool:
            done = await rebase(batches)
            rebased.append(room0.draft.seq)
            return done

        room0.committer.rebase = watched
        bra.insert(1, "b", "BRA-long")  # judged at `start`: its commit meets s+1, and rebases
        assert await asyncio.to_thread(held.read.wait, 30)
        await processes[1].execute(demo.DRAFT_ID, cmd.Reserve("r-2", "draft", "Two."), usa)
        hub.deliver()  # s+1 and s+2 reach process 0 while its rebase's read is out
        assert room0.stored_draft.seq == start + 2
        held.release.set()
        await room0.committer.flushed()

        assert rebased == [start + 2]  # one rebase, on everything this process had folded
        assert room0.draft.seq == start + 2
        assert room0.live.meta.get("seq") == start + 2
        hub.deliver()
        await room1.committer.flushed()
        assert room0.live.runs(P) == room1.live.runs(P) == bra.live.runs(P)
    finally:
        if bra is not None:
            bra.forget()
        for p in processes:
            await p.close()
        for s in storages:
            s.close()
