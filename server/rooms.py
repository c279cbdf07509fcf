"""The loaded rooms of this process: each draft loaded once, fully, before anyone syncs with it.

Concurrent first joins share one load (the Python peer server loses such clients, DESIGN §11).
A room with nobody connected and no silence running unloads after a while; a room whose silence
procedure runs keeps a timer that expires the silence at its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from pycrdt import Doc

from drafting import commands as cmd
from drafting import events as ev
from drafting.delegation import Delegation
from drafting.errors import DraftingError
from drafting.record import Recorded
from drafting.vocabulary import Constituency, ParagraphStatus, Role
from server.bus import Bus, BusMessage, LocalBus, RedisBus
from server.committer import Batch
from server.connection import Connection
from server.diagnostics import dump_stacks
from server.drafts import load_record, roster
from server.livedoc import LiveDoc
from server.memory import Reclaimer
from server.room import Room
from server.settings import Settings
from server.storage import Storage
from server.storage.draft_lock import DraftLock
from server.storage.errors import StaleSequence

log = logging.getLogger(__name__)

EXECUTE_ATTEMPTS = 3
PROCEDURE_PATIENCE = 20.0  # seconds a procedural action may hold its draft's lock unnoticed
PROCEDURE_SLOTS = 3  # draft locks held at once by this process (SQLAlchemy's pool holds 5+10)

STORAGE_ORIGIN = "storage"
# The actor of what the clock does (a silence expiring): never a delegation that can sign in.
CLOCK = Delegation("CLOCK", "The meeting clock", Constituency.INTERGOVERNMENTAL, Role.SECRETARIAT)


class UnknownDraft(LookupError):
    pass


class Rooms:
    def __init__(self, storage: Storage, settings: Settings, bus: Bus | None = None) -> None:
        self.storage = storage
        self.settings = settings
        self.bus = bus if bus is not None else LocalBus()
        # Several processes may hold one draft: with a shared bus, or a shared database.
        self.shared = self.bus.shared or storage.dialect != "sqlite"
        self._procedure: dict[str, asyncio.Lock] = {}
        # Each held draft lock keeps a database connection: hold fewer than the pool has, so
        # the commits made under them always find one.
        self._procedure_slots = asyncio.Semaphore(PROCEDURE_SLOTS)
        self._checks: asyncio.Task[None] | None = None
        self._rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Task[Room]] = {}
        self._unloads: dict[str, asyncio.TimerHandle] = {}
        self._silences: dict[str, list[asyncio.TimerHandle]] = {}
        # What unloaded rooms leave behind is freed and handed back to the system (`memory`).
        self.reclaimer = Reclaimer()

    def loaded(self) -> list[Room]:
        return list(self._rooms.values())

    async def get(self, draft_id: str) -> Room:
        """The room of a draft, loading it (once, however many ask at the same time)."""
        room = self._rooms.get(draft_id)
        if room is not None and room.committer.broken is None:
            return room
        if room is not None:  # storage refused its writes: load the draft afresh
            self._rooms.pop(draft_id, None)
            room.close()
            self.reclaimer.soon()
        task = self._loading.get(draft_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._load(draft_id))
            self._loading[draft_id] = task
            task.add_done_callback(lambda _: self._loading.pop(draft_id, None))
        return await asyncio.shield(task)

    async def start(self) -> None:
        """Connect the bus; with other processes around, check each room now and then."""
        await asyncio.to_thread(self._warm_up)
        await self.bus.start()
        if isinstance(self.bus, RedisBus):
            self.bus.reconnected = self._catch_up_all
        if self.bus.shared:
            self._checks = asyncio.get_running_loop().create_task(self._check_periodically())

    async def _check_periodically(self) -> None:
        """A lost *last* bus message leaves no gap to notice: look at the database now and then.
        Not for a room with a round of its own to store: that commit is the check (the draft's
        last update id, and its record seq, say whether another process wrote in between), and
        under load a read racing it only brought back our own updates to re-apply."""
        while True:
            await asyncio.sleep(self.settings.catch_up_seconds)
            self._catch_up_all(idle_only=True)

    def _catch_up_all(self, *, idle_only: bool = False) -> None:
        for room in self.loaded():
            if not idle_only or room.committer.idle:
                room.replica.schedule_catch_up()

    async def _load(self, draft_id: str) -> Room:
        # Subscribe before reading, so nothing published meanwhile is missed: what arrives
        # before the room exists waits, then goes through the room's gap check.
        early: list[BusMessage] = []
        target: list[Room] = []

        def deliver(message: BusMessage) -> None:
            if target:
                target[0].replica.received(message)
            else:
                early.append(message)

        await self.bus.subscribe(draft_id, deliver)
        try:
            draft, _history, stored, members = await asyncio.to_thread(self._read, draft_id)
        except BaseException:
            await self.bus.unsubscribe(draft_id)
            raise
        live = LiveDoc(Doc())
        with live.doc.transaction(origin=STORAGE_ORIGIN):
            if stored.snapshot is not None:
                live.doc.apply_update(stored.snapshot.state)
            for update in stored.updates:
                live.doc.apply_update(update.data)
        room = Room(
            draft,
            live,
            self.storage,
            members,
            batch_max=self.settings.commit_batch_max,
            compact_every=self.settings.compact_every_updates,
            last_update_id=stored.last_update_id,
            durable=self.settings.durable,
            bus=self.bus,
        )
        target.append(room)
        room.replica.repair(None)  # marks of settled amendments a crash may have left behind
        for message in early:
            room.replica.received(message)
        self._rooms[draft_id] = room
        self.watch(room)
        log.info("loaded draft %s (%d updates after snapshot)", draft_id, len(stored.updates))
        if len(stored.updates) >= self.settings.compact_every_updates:
            # A long tail (a crash, or updates stored by another tool): snapshot it now, in the
            # background, so the next load is one read. An empty batch wakes the committer.
            room.committer.since_snapshot = len(stored.updates)
            room.committer.submit(Batch((), STORAGE_ORIGIN, b""))
        return room

    def _warm_up(self) -> None:
        """Read a draft that does not exist the way `_read` reads one: the first draft opened
        after a start then finds its queries compiled and a connection open (~7 ms of a
        300-paragraph draft's first sync, measured)."""
        load_record(self.storage, "")
        self.storage.load("")
        roster(self.storage)

    def _read(self, draft_id: str):  # type: ignore[no-untyped-def]
        draft, history = load_record(self.storage, draft_id)
        if draft is None:
            raise UnknownDraft(draft_id)
        return draft, history, self.storage.load(draft_id), roster(self.storage)

    async def execute(
        self, draft_id: str, command: cmd.Command, actor: Delegation
    ) -> tuple[Recorded, ...]:
        """Run a procedural command in its draft's room; returns once it is stored.

        With other processes holding the draft, the decision is taken under the draft's lock in
        the database, on the record as stored (caught up first), so procedure stays serial."""
        for attempt in range(1, EXECUTE_ATTEMPTS + 1):
            try:
                async with self.procedure(draft_id) as room:
                    recorded = await room.execute(command, actor)
                break
            except StaleSequence:  # the room gave up re-deciding and reloads: decide afresh
                if attempt == EXECUTE_ATTEMPTS:
                    raise
                log.info("draft %s: deciding %s again on the reloaded room", draft_id, command)
        if any(isinstance(r.event, ev.DraftAdopted) for r in recorded):
            # The drafts table lists state for overviews; the record remains the authority.
            await asyncio.to_thread(self.storage.set_state, draft_id, room.draft.state.value)
        self.watch(room)
        return recorded

    @contextlib.asynccontextmanager
    async def procedure(self, draft_id: str) -> AsyncIterator[Room]:
        """The draft's room, current with the stored record, for one procedural decision."""
        if not self.shared:
            yield await self.get(draft_id)
            return
        local = self._procedure.setdefault(draft_id, asyncio.Lock())
        async with local, self._procedure_slots:
            lock = self.storage.draft_lock(draft_id)
            await acquire(lock)
            overdue = asyncio.get_running_loop().call_later(
                PROCEDURE_PATIENCE, self._overdue, draft_id
            )
            try:
                room = await self.get(draft_id)
                await room.replica.catch_up()
                yield room
            finally:
                overdue.cancel()
                # Shielded: cancelled here, the lock would stay with its connection for ever.
                await asyncio.shield(asyncio.to_thread(lock.release))

    def _overdue(self, draft_id: str) -> None:
        """A procedural action has held the draft's lock far longer than any should: every
        other action on the draft, in every process, waits for it. Say so, with the stacks."""
        log.error(
            "draft %s: a procedural action has held its lock for over %.0f s",
            draft_id,
            PROCEDURE_PATIENCE,
        )
        dump_stacks()

    # -- joining and leaving ---------------------------------------------------------------

    async def join(self, draft_id: str, conn: Connection) -> Room:
        room = await self.get(draft_id)
        handle = self._unloads.pop(draft_id, None)
        if handle is not None:
            handle.cancel()
        room.join(conn)
        return room

    def leave(self, room: Room, conn: Connection) -> None:
        room.leave(conn)
        self.watch(room)

    def watch(self, room: Room) -> None:
        """Arm silence timers, and the idle unload when nobody is connected."""
        for handle in self._silences.pop(room.id, []):
            handle.cancel()
        loop = asyncio.get_running_loop()
        now = datetime.now(UTC)
        handles = []
        for paragraph in room.draft.ordered():
            deadline = paragraph.silence_deadline
            if paragraph.status == ParagraphStatus.UNDER_SILENCE and deadline is not None:
                delay = max(0.0, (deadline - now).total_seconds())
                handles.append(loop.call_later(delay, self._expire, room, paragraph.id))
        self._silences[room.id] = handles
        if not room.connections and not handles and room.id not in self._unloads:
            self._unloads[room.id] = loop.call_later(
                self.settings.idle_unload_seconds, self._unload_soon, room.id
            )

    def _expire(self, room: Room, paragraph_id: str) -> None:
        async def expire() -> None:
            try:
                await room.execute(cmd.ExpireSilence(paragraph_id), CLOCK)
            except DraftingError as error:  # broken or reopened meanwhile: nothing to expire
                log.info("silence on %s not expired: %s", paragraph_id, error.message)
            self.watch(room)

        asyncio.get_running_loop().create_task(expire())

    def _unload_soon(self, draft_id: str) -> None:
        self._unloads.pop(draft_id, None)
        asyncio.get_running_loop().create_task(self.unload(draft_id))

    async def unload(self, draft_id: str) -> None:
        room = self._rooms.get(draft_id)
        if room is None or room.connections:
            return
        await room.committer.flushed()
        if room.connections or not room.committer.idle:  # someone came while we flushed
            return
        lock = self._procedure.get(draft_id)
        if lock is not None and lock.locked():
            # A procedural action holds this room (API calls need no connection): closing it
            # now would leave that action waiting on a closed committer, holding the draft's
            # lock for ever. Look again after the idle delay.
            self.watch(room)
            return
        self._rooms.pop(draft_id, None)
        await room.committer.close()
        room.close()
        await self.bus.unsubscribe(draft_id)
        lock = self._procedure.get(draft_id)
        if lock is not None and not lock.locked():
            del self._procedure[draft_id]
        self.reclaimer.soon(idle=not self._rooms)
        log.info("unloaded draft %s", draft_id)

    async def close(self) -> None:
        if self._checks is not None:
            self._checks.cancel()
        self.reclaimer.close()
        for handle in self._unloads.values():
            handle.cancel()
        for handles in self._silences.values():
            for handle in handles:
                handle.cancel()
        for room in self.loaded():
            for conn in list(room.connections):
                conn.close(1001, "server shutting down")
            with contextlib.suppress(Exception):
                await room.committer.close()
        await self.bus.close()


async def acquire(lock: DraftLock) -> None:
    """Take the draft's lock in a thread; if the waiting is cancelled, the thread still ends
    with the lock taken — give it back then, or it would stay held for ever."""
    taking = asyncio.ensure_future(asyncio.to_thread(lock.acquire))
    try:
        await asyncio.shield(taking)
    except asyncio.CancelledError:

        def give_back(done: asyncio.Future[None]) -> None:
            if not done.cancelled() and done.exception() is None:
                asyncio.get_running_loop().run_in_executor(None, lock.release)

        taking.add_done_callback(give_back)
        raise
