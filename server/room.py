"""A live room: one loaded draft, its connections, and the order in which things happen to it.

Everything that changes the draft runs on the event loop without awaiting in between — judge
the edit, decide the command, fold the events, write the document — so actions on one room are
serialized by construction. What changed is then queued for the `Committer`, which stores it
(events and Yjs update in one transaction) *before* it is broadcast (DESIGN §9).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Hashable, Sequence
from datetime import UTC, datetime
from typing import Any

from pycrdt import merge_updates

from drafting import commands as cmd
from drafting.context import Context
from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.errors import DraftingError, NoConsensus
from drafting.procedure import record_failed_call, run
from drafting.record import Recorded
from drafting.rewrite import Rewrite, propose_by_rewriting
from drafting.runs import Delta
from drafting.text_effects import commands_for_edit
from server import wire
from server.awareness import AwarenessStates
from server.bus import Bus, LocalBus
from server.committer import Batch, Committer
from server.connection import Connection
from server.drafts import SERVER_ORIGIN
from server.gate import Admitted, Gate, Refusal
from server.livedoc import LiveDoc
from server.outbox import AwarenessOutbox
from server.replica import Replica
from server.storage import Storage
from server.update_outbox import UpdateOutbox

log = logging.getLogger(__name__)


EMPTY_STATE_VECTOR = b"\x00"  # no client, no clock: a newcomer's


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_amendment_id() -> str:
    return "a-" + secrets.token_hex(6)


class Room:
    def __init__(
        self,
        draft: Draft,
        live: LiveDoc,
        storage: Storage,
        roster: dict[str, Delegation],
        *,
        batch_max: int = 256,
        compact_every: int = 500,
        last_update_id: int = 0,
        durable: bool = True,
        bus: Bus | None = None,
    ) -> None:
        self.id = draft.id
        self.draft = draft
        self.live = live
        self.storage = storage
        self.roster = roster
        self.gate = Gate(live)
        self.awareness = AwarenessStates()
        self.connections: set[Connection] = set()
        self.presence = AwarenessOutbox(lambda frame: self._relay(frame, exclude=None))
        self.changes_out = UpdateOutbox(self._relay, lambda: len(self.connections))
        self.replica = Replica(self, bus if bus is not None else LocalBus())
        self.stored_draft = draft  # the state as of the last stored event (rebases start here)
        self._last_decision: tuple[tuple[cmd.Command, ...], Delegation | None] = ((), None)
        self.committer = Committer(
            draft.id,
            storage,
            self._broadcast,
            self._failed,
            batch_max=batch_max,
            compact_every=compact_every,
            last_update_id=last_update_id,
            durable=durable,
            snapshot=lambda: (live.doc.get_update(), self.draft.seq),
            stored=self.replica.stored,
            rebase=self.replica.rebase,
            guard_text=self.replica.bus.shared or storage.dialect != "sqlite",
        )

        # Every transaction's own update (deletions included, unlike a state-vector diff): what
        # one operation changed is exactly the merge of these.
        self._changes: list[bytes] = []
        self._observer = live.doc.observe(self._changed)
        self._full_state: bytes | None = None  # STEP2 for a newcomer, until the next change

    def _changed(self, event: Any) -> None:
        self._changes.append(event.update)
        self._full_state = None

    def close(self) -> None:
        """Release the document once the room is unloaded (or replaced after a reload): its
        observers hold the room (see `LiveDoc.close`)."""
        self.gate.close()
        self.presence.close()
        self.changes_out.close()
        self.live.doc.unobserve(self._observer)
        self.live.close()

    def _take_changes(self) -> bytes:
        """The net update of everything since the last call (empty bytes when nothing)."""
        changes, self._changes = self._changes, []
        if len(changes) <= 1:
            return changes[0] if changes else b""
        return merge_updates(*changes)

    # -- connections --------------------------------------------------------------------------

    def join(self, conn: Connection) -> None:
        self.connections.add(conn)
        conn.send(wire.sync_frame(wire.SyncType.STEP1, self.live.doc.get_state()))
        if self.awareness.present:
            conn.send(wire.awareness_frame(self.awareness.current()))

    def leave(self, conn: Connection) -> None:
        self.connections.discard(conn)
        self.gate.detach(conn)
        gone = self.awareness.remove(conn.awareness_clients)
        if gone:
            self.presence.add(gone)
            self.replica.awareness(gone)

    # -- frames from clients ------------------------------------------------------------------

    async def receive(self, conn: Connection, frame: bytes) -> None:
        """Act on one frame; raises `wire.MalformedFrame` for a frame that breaks the protocol."""
        message = wire.parse(frame)
        if isinstance(message, wire.Sync):
            if message.kind == wire.SyncType.STEP1:
                await self.committer.flushed()  # never show a joiner what is not yet stored
                conn.send(self._sync_reply(message.payload))
            else:
                self.client_update(conn, message.payload)
        elif isinstance(message, wire.Awareness):
            stamp = {
                "code": conn.delegation.code,
                "name": conn.delegation.name,
                "role": conn.delegation.role.value,
            }
            clients, stamped = self.awareness.apply(message.payload, conn, stamp)
            conn.awareness_clients |= clients
            if stamped:
                self.presence.add(stamped)  # one merged frame per tick, to everyone
                self.replica.awareness(stamped)
        elif isinstance(message, wire.QueryAwareness):
            conn.send(wire.awareness_frame(self.awareness.current()))

    def _sync_reply(self, state_vector: bytes) -> bytes:
        """STEP2 for a client's state vector. A newcomer (empty state vector) gets the whole
        document, encoded once per version: joiners share one encoding and the same bytes."""
        if state_vector != EMPTY_STATE_VECTOR:
            return wire.sync_frame(wire.SyncType.STEP2, self.live.doc.get_update(state_vector))
        if self._full_state is None:
            self._full_state = wire.sync_frame(wire.SyncType.STEP2, self.live.doc.get_update())
        return self._full_state

    def client_update(self, conn: Connection, update: bytes) -> None:
        """Judge, keep or revert, register amendments, then queue for storage and broadcast."""
        if update in (b"", b"\x00\x00"):
            return
        self._changes.clear()
        verdict = self.gate.admit(update, conn, conn.editor, self.draft)
        recorded: tuple[Recorded, ...] = ()
        if isinstance(verdict, Admitted):
            try:
                recorded = self._register(conn, verdict)
            except DraftingError as error:
                verdict = Refusal(error.code.value, error.message)
                self.gate.settle(conn, keep=False)
            else:
                self.gate.settle(conn, keep=True)
        if isinstance(verdict, Refusal):
            self._refused(conn, update, verdict)
        net = self._take_changes()
        if not net and not recorded:
            return
        origin = f"client:{conn.delegation.code}"
        silent_for = conn if isinstance(verdict, Admitted) and not recorded else None
        edits = (
            {paragraph: after for paragraph, (_, after) in verdict.changed.items()}
            if isinstance(verdict, Admitted)
            else {}
        )
        self.committer.submit(
            Batch(
                recorded,
                origin,
                net,
                exclude=silent_for,
                seen_seq=self.draft.seq,
                edits=edits,
                typed=True,
                **self._decided(recorded),
            )
        )

    def _register(self, conn: Connection, verdict: Admitted) -> tuple[Recorded, ...]:
        """Record the amendments an edit opened (new ids) or emptied (withdrawn)."""
        changed = {paragraph: after for paragraph, (_, after) in verdict.changed.items()}
        commands = commands_for_edit(
            self.draft, conn.delegation.code, changed, verdict.new_ids, verdict.emptied
        )
        return self._run(commands, conn.delegation) if commands else ()

    def _refused(self, conn: Connection, update: bytes, refusal: Refusal) -> None:
        log.warning(
            "reverted an edit by %s in %s: %s (%s)",
            conn.delegation.code,
            self.id,
            refusal.code,
            refusal.reason,
        )
        conn.send(
            wire.notice_frame(
                {
                    "type": "rejected",
                    "code": refusal.code,
                    "reason": refusal.reason,
                    "paragraph": refusal.paragraph,
                }
            )
        )
        self.committer.quarantine(refusal.code, refusal.reason, conn.delegation.code, update)

    # -- procedure ------------------------------------------------------------------------------

    async def execute(self, command: cmd.Command, actor: Delegation) -> tuple[Recorded, ...]:
        """Run a procedural command; returns once its events and text change are stored.

        A consensus call that finds blockers is stored too (`record_failed_call`), then its
        `NoConsensus` is raised for the caller."""
        self._changes.clear()
        failure: NoConsensus | None = None
        try:
            recorded = self._run([command], actor)
        except NoConsensus as error:
            if not isinstance(command, cmd.CallConsensus):
                raise
            failure = error
            context = Context(actor, utcnow(), self.roster)
            draft, recorded = record_failed_call(self.draft, command, error, context)
            self._last_decision = ((), actor)  # a rebase renumbers it, never re-decides it
            self._show(draft, recorded)
        net = self._take_changes()
        done = self.committer.submit(Batch(recorded, SERVER_ORIGIN, net, **self._decided(recorded)))
        await done
        if failure is not None:
            raise failure
        return recorded

    async def rewrite(self, paragraph_id: str, text: str, actor: Delegation) -> Rewrite:
        """Propose by rewriting: the member's rewritten paragraph becomes bracketed amendments."""
        self.draft.paragraph(paragraph_id)
        rewrite = propose_by_rewriting(self.live.runs(paragraph_id), text, new_amendment_id)
        commands: list[cmd.Command] = [
            cmd.ProposeAmendment(a.id, paragraph_id, a.kind.value, a.inserted, a.deleted)
            for a in rewrite.amendments
        ]
        self._changes.clear()
        recorded = self._run(commands, actor, text_change=(paragraph_id, rewrite.delta))
        if recorded:
            net = self._take_changes()
            await self.committer.submit(
                Batch(recorded, SERVER_ORIGIN, net, **self._decided(recorded))
            )
        return rewrite

    def _run(
        self,
        commands: list[cmd.Command],
        actor: Delegation,
        text_change: tuple[str, Delta] | None = None,
    ) -> tuple[Recorded, ...]:
        """Decide and fold every command, all or nothing, then show the result in the doc."""
        context = Context(actor, utcnow(), self.roster)
        self._last_decision = (tuple(commands), actor)
        draft: Draft = self.draft
        recorded: list[Recorded] = []
        for command in commands:
            draft, events = run(draft, command, context)
            recorded.extend(events)
        if not recorded:
            return ()
        self._show(draft, tuple(recorded), text_change)
        return tuple(recorded)

    def _show(
        self,
        draft: Draft,
        recorded: tuple[Recorded, ...],
        text_change: tuple[str, Delta] | None = None,
    ) -> None:
        """Take ``draft`` as the room's state and write what ``recorded`` did into the doc."""
        self.draft = draft
        with self.live.doc.transaction(origin=SERVER_ORIGIN):
            if text_change is not None:
                self.live.apply_delta(*text_change)
            touched = self.live.record(draft, recorded)
        if touched is not None and text_change is not None:
            touched.add(text_change[0])
        self.gate.refresh(touched)

    def _decided(self, recorded: tuple[Recorded, ...]) -> dict[str, Any]:
        """What a batch needs to be decided again (`Replica.rebase`): its commands and actor."""
        if not recorded:
            return {}
        commands, actor = self._last_decision
        return {"commands": commands, "actor": actor, "draft": self.draft}

    # -- output ---------------------------------------------------------------------------------

    def _broadcast(self, batches: list[Batch]) -> None:
        """Send what a commit round stored: its updates merged into one frame (`UpdateOutbox`:
        under load, at most one per tick), then its events. A round that recorded events goes
        out at once, with whatever waits before it."""
        for batch in batches:
            if batch.update:
                self.changes_out.add(batch.update, batch.exclude)
        if any(batch.recorded for batch in batches):
            self.changes_out.flush()
            for batch in batches:
                self._notify(batch.recorded)
            return
        self.changes_out.soon()

    def show_remote(self, update: bytes, recorded: Sequence[Recorded]) -> None:
        """Show this room's clients what another process stored."""
        if update:
            self._relay(wire.sync_frame(wire.SyncType.UPDATE, update), exclude=None)
        self._notify(recorded)

    def _notify(self, recorded: Sequence[Recorded]) -> None:
        for item in recorded:
            notice = {
                "type": "event",
                "seq": item.seq,
                "event": item.event.type,
                "actor": item.actor,
            }
            self._relay(wire.notice_frame(notice), exclude=None)

    def relay(self, frame: bytes, exclude: Hashable | None) -> None:
        self._relay(frame, exclude)

    def _relay(self, frame: bytes, exclude: Hashable | None) -> None:
        for conn in list(self.connections):
            if conn is not exclude:
                conn.send(frame)

    def _failed(self, error: BaseException) -> None:
        """Storage lost its footing for this room: drop every connection so clients resync."""
        for conn in list(self.connections):
            conn.close(1012, "the draft is reloading; reconnect")

    def describe(self) -> dict[str, Any]:
        return {"draft": self.id, "connections": len(self.connections), "seq": self.draft.seq}
