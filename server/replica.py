"""A room's place among several server processes holding the same draft (scale-out).

Each process keeps its own copy of the draft's Y.Doc and record. What one process stores it
publishes on the bus (the round's merged update, its stored events, and which stored update came
just before); the others apply it at once when it follows what they have, and otherwise read the
gap from the database — the database, not the bus, is the truth. Updates are idempotent in Yjs,
so applying something twice is harmless; missing something is what the watermark
(`Committer.applied_update_id`: every update up to it is in this document) rules out.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pycrdt import merge_updates

from drafting.context import Context
from drafting.draft import Draft
from drafting.errors import DraftingError
from drafting.procedure import run
from drafting.record import Recorded, apply
from drafting.text_effects import (
    TextEdit,
    edit_still_stands,
    leftover_settlements,
    text_effect,
)
from server import wire
from server.bus import Bus, BusMessage
from server.committer import SETTLING, Batch  # settling text effects are safe to redo
from server.drafts import SERVER_ORIGIN, to_recorded
from server.storage.records import Committed, StoredEvent

if TYPE_CHECKING:
    from server.room import Room

log = logging.getLogger(__name__)

REMOTE_ORIGIN = "remote"
MAX_REPAIR_ROUNDS = 50  # amendments settled in one paragraph at most, one per round


def utcnow() -> datetime:
    return datetime.now(UTC)


def event_message(event: StoredEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "type": event.type,
        "payload": event.payload,
    }


def event_from_message(draft_id: str, item: dict[str, Any]) -> StoredEvent:
    return StoredEvent(
        draft_id,
        int(item["seq"]),
        datetime.fromisoformat(item["at"]),
        str(item["actor"]),
        str(item["type"]),
        dict(item["payload"]),
    )


class Replica:
    def __init__(self, room: Room, bus: Bus) -> None:
        self.room = room
        self.bus = bus
        self._catching_up: asyncio.Task[None] | None = None
        self._again = False

    # -- out --------------------------------------------------------------------------------

    def stored(self, batches: list[Batch], committed: Committed) -> None:
        """The committer stored a round: tell the other processes (and catch up if we were
        behind them)."""
        decided = [b.draft for b in batches if b.recorded and b.draft is not None]
        if decided:
            self.room.stored_draft = decided[-1]
        if self.bus.shared:
            updates = [b.update for b in batches if b.update]
            merged = b""
            if updates:
                merged = updates[0] if len(updates) == 1 else merge_updates(*updates)
            self.bus.publish(
                self.room.id,
                BusMessage(
                    self.bus.process_id,
                    "update",
                    merged,
                    committed.previous_update_id,
                    committed.update_ids[-1] if committed.update_ids else 0,
                    [event_message(e) for e in committed.events],
                ),
            )
        if self.room.committer.behind:
            self.schedule_catch_up()

    def awareness(self, stamped: bytes) -> None:
        if self.bus.shared and stamped:
            self.bus.publish(self.room.id, BusMessage(self.bus.process_id, "awareness", stamped))

    # -- in ---------------------------------------------------------------------------------

    def received(self, message: BusMessage) -> None:
        if message.kind == "awareness":
            relayed = self.room.awareness.apply_relayed(message.payload, message.sender)
            if relayed:
                self.room.relay(wire.awareness_frame(relayed), exclude=None)
            return
        if message.kind != "update":
            return
        committer = self.room.committer
        have_update = 0 < message.last_update_id <= committer.applied_update_id
        if have_update and (not message.events or message.events[-1]["seq"] <= self.room.draft.seq):
            return  # a catch-up already brought it
        follows = (
            not committer.behind
            and message.previous_update_id == committer.applied_update_id
            and (not message.events or message.events[0]["seq"] == self.room.draft.seq + 1)
        )
        if not follows:
            self.schedule_catch_up()
            return
        touched: set[str] | None = set()
        if message.payload:
            touched = self.room.gate.absorb([message.payload], REMOTE_ORIGIN)
        if message.last_update_id:
            committer.applied_update_id = message.last_update_id
        recorded = [to_recorded(event_from_message(self.room.id, e)) for e in message.events]
        self._fold(recorded)
        self.room.show_remote(message.payload, recorded)
        if touched is None or touched:
            self.repair(touched)

    # -- catching up from the database ------------------------------------------------------

    def schedule_catch_up(self) -> None:
        if self._catching_up is not None and not self._catching_up.done():
            self._again = True
            return
        self._catching_up = asyncio.get_running_loop().create_task(self._catch_up_loop())

    async def catch_up(self) -> None:
        """Bring this process's copy up to what is stored (awaits a running catch-up)."""
        self.schedule_catch_up()
        task = self._catching_up
        if task is not None:
            await asyncio.shield(task)

    async def _catch_up_loop(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            try:
                await self._catch_up_once()
            except Exception:
                log.exception("catching up draft %s from storage failed", self.room.id)
                return

    async def _catch_up_once(self) -> None:
        room, committer = self.room, self.room.committer
        found = await asyncio.to_thread(
            room.storage.catch_up, room.id, room.draft.seq, committer.applied_update_id
        )
        updates = [found.snapshot.state] if found.snapshot is not None else []
        updates += [u.data for u in found.updates]
        before = room.live.doc.get_state()
        touched: set[str] | None = set()
        if updates:
            touched = room.gate.absorb(updates, REMOTE_ORIGIN)
        committer.applied_update_id = max(committer.applied_update_id, found.last_update_id)
        committer.behind = False
        recorded = [to_recorded(e) for e in found.events if e.seq > room.draft.seq]
        if recorded and recorded[0].seq != room.draft.seq + 1:
            recorded = []  # this process has unstored events of its own: its commit will tell
        self._fold(recorded)
        shown = room.live.doc.get_update(before) if updates else b""
        room.show_remote(shown, recorded)
        if touched is None or touched:
            self.repair(touched)

    async def rebase(self, in_flight: list[Batch]) -> bool:
        """Another process stored events at the seqs ours were to take: fold theirs in, decide
        our pending commands again after them, renumbered, and mirror the result. False when
        ours no longer hold (the room then reloads and its clients resync)."""
        room = self.room
        base = room.stored_draft
        found = await asyncio.to_thread(
            room.storage.catch_up, room.id, base.seq, room.committer.applied_update_id
        )
        # Taken after the read: edits admitted meanwhile queued batches of their own.
        pending = [*in_flight, *room.committer.waiting]
        updates = [found.snapshot.state] if found.snapshot is not None else []
        updates += [u.data for u in found.updates]
        before = room.live.doc.get_state()
        if updates:
            room.gate.absorb(updates, REMOTE_ORIGIN)
        # What the clients here have not seen yet: the stored updates just read (taken before
        # the mirror below, which is stored with our round and sent when it is).
        shown = room.live.doc.get_update(before) if updates else b""
        room.committer.applied_update_id = max(
            room.committer.applied_update_id, found.last_update_id
        )
        if room.stored_draft.seq > base.seq:
            # Bus messages handled during the read folded newer events than it saw (it may
            # predate their commit): start from them, never step the record back.
            base = room.stored_draft
        theirs = [to_recorded(e) for e in found.events if e.seq > base.seq]
        draft = base
        for item in theirs:
            draft = apply(draft, item)
        room.stored_draft = draft
        settles: list[tuple[Draft, Recorded]] = []
        try:
            for batch in pending:
                if batch.edits and not all(
                    edit_still_stands(draft, paragraph, after)
                    for paragraph, after in batch.edits.items()
                ):
                    log.warning(
                        "draft %s: an edit no longer holds after another process's", room.id
                    )
                    return False
                if batch.seen_seq is not None:
                    batch.seen_seq = draft.seq
                if batch.recorded and not batch.commands:  # e.g. a failed call: only renumbered
                    renumbered = tuple(
                        replace(r, seq=draft.seq + i) for i, r in enumerate(batch.recorded, 1)
                    )
                    for item in renumbered:
                        draft = apply(draft, item)
                    batch.recorded, batch.draft = renumbered, draft
                    continue
                if not batch.recorded or batch.actor is None:
                    continue
                context = Context(batch.actor, utcnow(), room.roster)
                mine: list[Recorded] = []
                for command in batch.commands:
                    draft, events = run(draft, command, context)
                    mine.extend(events)
                batch.recorded, batch.draft = tuple(mine), draft
                settles.extend((draft, item) for item in mine if isinstance(item.event, SETTLING))
        except DraftingError as error:
            log.warning("draft %s: a pending decision no longer holds: %s", room.id, error)
            return False
        room.draft = draft
        room.live.forget_written()
        extra_from = room.live.doc.get_state()
        with room.live.doc.transaction(origin=SERVER_ORIGIN):
            # Settling is idempotent: done again, it also settles the amendment's text that
            # arrived from the other process after our first decision.
            for after, item in settles:
                effect = text_effect(after, item.event, room.live.runs)
                if isinstance(effect, TextEdit):
                    room.live.apply_delta(effect.paragraph, effect.delta)
            room.live.mirror(draft)
        extra = room.live.doc.get_update(extra_from)
        if extra:  # (a round of text only has no events, and may need no mirroring)
            last = next((b for b in reversed(pending) if b.recorded), pending[-1])
            last.update = merge_updates(last.update, extra) if last.update else extra
            last.exclude = None  # its sender has the edit, not this server change
        state = room.live.doc.get_update()
        for batch in pending:
            if batch.recorded:
                batch.version = state
        room.gate.refresh(None)
        room.show_remote(shown, theirs)
        return True

    def _fold(self, recorded: list[Recorded]) -> None:
        if not recorded:
            return
        room = self.room
        draft = room.draft
        in_step = room.stored_draft.seq == draft.seq  # nothing of ours waits to be stored
        for item in recorded:
            draft = apply(draft, item)
        room.draft = draft
        if in_step:
            room.stored_draft = draft
        room.live.forget_written()  # another process wrote the mirrored maps
        room.gate.refresh(None)
        settled = {
            room.draft.amendments[e.event.amendment].paragraph
            for e in recorded
            if isinstance(e.event, SETTLING) and e.event.amendment in room.draft.amendments
        }
        self.repair(settled)

    def repair(self, paragraphs: set[str] | None) -> None:
        """Settle marks of amendments the record has settled (`leftover_settlements`) in these
        paragraphs (None: all), as a server change stored and sent like any other."""
        room = self.room
        wanted = room.live.paragraph_ids() if paragraphs is None else sorted(paragraphs)
        known = [p for p in wanted if p in room.draft.paragraphs]
        if not known:
            return
        before = room.live.doc.get_state()
        changed: set[str] = set()
        with room.live.doc.transaction(origin=SERVER_ORIGIN):
            for _ in range(MAX_REPAIR_ROUNDS):
                edits = leftover_settlements(room.draft, known, room.live.runs)
                if not edits:
                    break
                for edit in edits:
                    room.live.apply_delta(edit.paragraph, edit.delta)
                    changed.add(edit.paragraph)
        if not changed:
            return
        log.warning("draft %s: settled leftover marks in %s", room.id, sorted(changed))
        room.gate.refresh(changed)
        room.committer.submit(Batch((), SERVER_ORIGIN, room.live.doc.get_update(before)))
