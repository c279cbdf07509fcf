"""Commit before broadcast, in groups (DESIGN §9): what a room changed is stored, then sent.

Batches queue in order; one task takes all that is waiting, writes the events and the Yjs
updates in one storage transaction, and only then hands each batch to the broadcaster. A failed
write keeps the batches in memory and retries (the document stays loaded: nothing is lost); a
stale event sequence means another process wrote this draft, and the room must reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field

from drafting import events as ev
from drafting.commands import Command
from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.record import Recorded
from drafting.runs import Runs
from server.drafts import to_new_event
from server.storage import Storage
from server.storage.errors import StaleSequence, WriterBusy
from server.storage.records import Committed, NewEvent, NewUpdate

log = logging.getLogger(__name__)

RETRY_FIRST, RETRY_MAX = 0.05, 5.0
SETTLING = (ev.AmendmentAccepted, ev.AmendmentRejected, ev.AmendmentWithdrawn)
REBASES_MAX = 50  # in a row, for one round: beyond that the room reloads (1012)


@dataclass
class Batch:
    recorded: tuple[Recorded, ...]
    origin: str
    update: bytes  # the net Yjs update of the change (may be empty for a pure record change)
    exclude: Hashable | None = None  # the connection that already has this change
    version: bytes | None = None  # the document's full state right after ``recorded``
    # What decided ``recorded`` — re-run if another process took those seqs first (rebase).
    commands: tuple[Command, ...] = ()
    actor: Delegation | None = None
    draft: Draft | None = None  # the procedural state right after ``recorded``
    # A client's edit: the record seq it was judged against, and each paragraph's text after it
    # (re-checked if another process recorded events meanwhile).
    seen_seq: int | None = None
    edits: Mapping[str, Runs] = field(default_factory=dict)
    # ``recorded`` only registers what this edit typed (amendments it opened or emptied): the
    # events restate the text, so they need no more durability than the typing (`Storage.commit`).
    typed: bool = False
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Committer:
    def __init__(
        self,
        draft_id: str,
        storage: Storage,
        broadcast: Callable[[list[Batch]], None],
        failed: Callable[[BaseException], None],
        *,
        snapshot: Callable[[], tuple[bytes, int]],
        batch_max: int = 256,
        compact_every: int = 500,
        last_update_id: int = 0,
        durable: bool = True,
        stored: Callable[[list[Batch], Committed], None] | None = None,
        # Re-decide the round in flight and everything queued after it (`Replica.rebase`).
        rebase: Callable[[list[Batch]], Awaitable[bool]] | None = None,
        guard_text: bool = False,
    ) -> None:
        self.draft_id = draft_id
        self.durable = durable
        self.storage = storage
        self.broadcast = broadcast
        self.failed = failed
        self.snapshot = snapshot
        self.batch_max = batch_max
        self.compact_every = compact_every
        # Every update of this draft up to ``applied_update_id`` is in the document (ours, and
        # other processes' once caught up): compaction never folds past it.
        self.applied_update_id = last_update_id
        self.behind = False  # another process committed between our last look and our commit
        self.stored = stored
        self.rebase = rebase
        # Other processes may record events: a text-only round is stored only if the record is
        # still where its edits were judged (else they are re-checked: `rebase`).
        self.guard_text = guard_text
        self.since_snapshot = 0
        self._waiting: list[Batch] = []
        self._in_flight: list[Batch] = []
        self._wake = asyncio.Event()
        self._background: set[asyncio.Task[None]] = set()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.broken: BaseException | None = None

    def submit(self, batch: Batch) -> asyncio.Future[None]:
        if self.broken is not None:
            batch.done.set_exception(self.broken)
            return batch.done
        if batch.recorded and batch.version is None:
            batch.version = self.snapshot()[0]  # the document as it stands with this change
        self._waiting.append(batch)
        self._wake.set()
        return batch.done

    def quarantine(self, code: str, reason: str, delegation: str, data: bytes) -> None:
        """Keep a reverted transaction for the record (in the background, logged on failure)."""

        async def keep() -> None:
            try:
                await asyncio.to_thread(
                    self.storage.quarantine, self.draft_id, code, reason, delegation, data
                )
            except Exception:
                log.exception("could not quarantine an edit by %s", delegation)

        task = asyncio.get_running_loop().create_task(keep())
        self._background.add(task)  # asyncio keeps only weak references to tasks
        task.add_done_callback(self._background.discard)

    async def flushed(self) -> None:
        """Wait until everything submitted so far is stored and broadcast."""
        pending = [b.done for b in (*self._in_flight, *self._waiting)]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def waiting(self) -> list[Batch]:
        """Batches queued behind the round in flight."""
        return self._waiting

    @property
    def idle(self) -> bool:
        return not self._waiting and not self._in_flight

    async def close(self) -> None:
        await self.flushed()
        # Anything submitted from now on fails at once instead of waiting for a task that is gone.
        self.broken = self.broken or RuntimeError(f"draft {self.draft_id}: its room was unloaded")
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task  # gone for good: it no longer holds the room

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                self._in_flight = self._waiting[: self.batch_max]
                self._waiting = self._waiting[self.batch_max :]
                if not self.durable:  # measuring only: others may see what a crash loses
                    self.broadcast(self._in_flight)
                try:
                    await self._store(self._in_flight)
                except Exception as error:  # a defect: reload the room rather than hang it
                    log.exception("committing draft %s failed unexpectedly", self.draft_id)
                    self._break(error, self._in_flight)
                if self.broken is not None:
                    return
                sent: Exception | None = None
                try:
                    if self.durable:
                        self.broadcast(self._in_flight)  # one round: one merged update
                except Exception as error:
                    # A defect after the round was stored: uncaught, the task would die unseen
                    # (its exception kept, never logged) and every later edit and procedural
                    # action on the draft would wait for ever. The round stands; reload the room.
                    log.exception("broadcasting draft %s failed unexpectedly", self.draft_id)
                    sent = error
                for batch in self._in_flight:
                    if not batch.done.done():
                        batch.done.set_result(None)
                self._in_flight = []
                if sent is not None:
                    self._break(sent, [])
                    return
                await self._maybe_compact()

    async def _store(self, batches: list[Batch]) -> None:
        updates = [(b.origin, b.update) for b in batches if b.update]
        if not updates and not any(b.recorded for b in batches):
            return
        delay = RETRY_FIRST
        rebases = 0
        while True:
            # Recomputed on every try: a rebase renumbers the events and may add mirror updates.
            recorded = [r for b in batches for r in b.recorded]
            updates = [(b.origin, b.update) for b in batches if b.update]
            versions = [
                (b.recorded[-1].seq, b.version) for b in batches if b.recorded and b.version
            ]
            try:
                committed = await self._commit(
                    recorded[0].seq - 1 if recorded else self._judged_at(batches),
                    events=[to_new_event(r) for r in recorded],
                    updates=updates,
                    versions=versions,
                    record_durable=any(b.recorded and not b.typed for b in batches),
                )
                break
            except StaleSequence as error:
                # Another process recorded events first: decide ours again after theirs.
                rebases += 1
                if (
                    rebases <= REBASES_MAX
                    and self.rebase is not None
                    and await self.rebase(batches)
                ):
                    log.info(
                        "draft %s: our events re-decided after another process's", self.draft_id
                    )
                    continue
                log.error("draft %s was changed elsewhere: %s", self.draft_id, error)
                self._break(error, batches)
                return
            except Exception:
                log.exception("storing draft %s failed; retrying in %.2fs", self.draft_id, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
        ids = committed.update_ids
        if ids:
            # `<=`, not `==`: a catch-up that ran while this round was in flight may already
            # have read past the update before ours (our own rows included) — nothing is
            # missing then, and counting it as "behind" would start another catch-up per round.
            if committed.previous_update_id <= self.applied_update_id and not self.behind:
                self.applied_update_id = max(self.applied_update_id, ids[-1])
            else:
                self.behind = True  # the room catches up from storage, then clears this
            self.since_snapshot += len(updates)
        if self.stored is not None:
            self.stored(batches, committed)

    async def _commit(
        self,
        expected_seq: int | None,
        *,
        events: list[NewEvent],
        updates: list[NewUpdate],
        versions: list[tuple[int, bytes]],
        record_durable: bool,
    ) -> Committed:
        """One round into storage. A round without an fsync (typing, and the amendments it
        opens) is committed right here on the event loop when the database's write lock is
        free (SQLite: ~0.1 ms): handing it to a thread and back cost more than the commit, and
        its wake-ups made the typing's p99 (heavy benchmark, interleaved runs: ~8 -> ~5.9 ms).
        Otherwise (an fsync, PostgreSQL, the lock taken) on a thread, waiting its turn there."""
        commit = functools.partial(
            self.storage.commit,
            self.draft_id,
            expected_seq,
            events=events,
            updates=updates,
            versions=versions,
            record_durable=record_durable,
        )
        if not record_durable and self.storage.commits_without_waiting:
            with contextlib.suppress(WriterBusy):
                return commit(wait=False)
        return await asyncio.to_thread(commit)

    def _judged_at(self, batches: list[Batch]) -> int | None:
        if not self.guard_text:
            return None
        seen = [b.seen_seq for b in batches if b.seen_seq is not None]
        return max(seen) if seen else None

    def _break(self, error: BaseException, batches: list[Batch]) -> None:
        self.broken = error
        for batch in (*batches, *self._waiting):
            if not batch.done.done():
                batch.done.set_exception(error)
                batch.done.exception()  # typing waits on nobody: the room's reload tells them
        self._waiting = []
        self.failed(error)

    async def _maybe_compact(self) -> None:
        if self.since_snapshot < self.compact_every or not self.applied_update_id or self.behind:
            return
        try:
            state, seq = self.snapshot()  # every update up to applied_update_id, maybe more
            await asyncio.to_thread(
                self.storage.compact, self.draft_id, self.applied_update_id, state, event_seq=seq
            )
        except Exception:
            log.exception("compacting draft %s failed; will try again", self.draft_id)
            return
        self.since_snapshot = 0
