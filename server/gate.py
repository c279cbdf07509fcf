"""Suggestion mode at the door: each client transaction is judged, and reverted if it breaks a rule.

DESIGN §5: apply the update with the connection as the transaction origin; turn each paragraph's
text event into a code point delta against the text as it was; ask the core's validator; on a
violation, undo exactly that transaction (an `UndoManager` scoped to the origin) so the sender
converges back and nobody else ever sees the violating text.

The gate keeps each paragraph's text as runs. After an admitted edit it takes the text the core
computed while judging it (the text before with the event's delta applied), instead of reading
the Y.Text back: that read cost a walk of the whole paragraph per keystroke — the largest single
cost of a busy process typing into long paragraphs (23 % of its samples). That Yjs and the core
agree on every delta is held by tests/server/test_gate_reading.py; anything that writes the text
other than a judged edit (the server, a revert, another process) still makes the gate re-read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Subscription, TextEvent, UndoManager

from drafting.draft import Draft
from drafting.positions import delta_from_utf8
from drafting.runs import DeltaError, Runs, delta_from_yjs, plain
from drafting.suggestion import Binding, Editor, Violation, check_edit
from drafting.text_effects import bindings, site
from server.livedoc import PARAGRAPHS, LiveDoc

SERVER_ONLY = "server_only"
READ_STEP = 20  # paragraphs read per event loop step after a room loads


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str
    paragraph: str | None = None


@dataclass(frozen=True)
class Admitted:
    """A client transaction that passed: what it changed, and the amendments it touched."""

    changed: dict[str, tuple[Runs, Runs]] = field(default_factory=dict)  # id → (before, after)
    new_ids: dict[str, str] = field(default_factory=dict)  # amendment id → paragraph id
    emptied: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.changed


class Gate:
    """Judges client transactions on one live document, keeping the text as last admitted."""

    def __init__(self, live: LiveDoc) -> None:
        self.live = live
        # The text as last admitted, per paragraph. Read in small steps once the room is up (a
        # newcomer's first sync does not wait for 300 paragraphs), complete before any edit.
        self.runs: dict[str, Runs] = {}
        self._unread: list[str] = live.paragraph_ids()
        self._reading: asyncio.Handle | None = None
        try:
            self._reading = asyncio.get_running_loop().call_soon(self._read_some)
        except RuntimeError:  # no event loop: read it all now
            self._read_all()
        self._events: list[tuple[str, Any]] = []
        self._undo: dict[Hashable, UndoManager] = {}
        self._touched: set[str] | None = set()
        self._after: dict[str, Runs] = {}  # paragraph → its text as the last judged edit left it
        self._known: tuple[Draft, dict[str, Binding]] | None = None
        self._subscriptions: list[tuple[Any, Subscription]] = [
            (root, root.observe_deep(self._collector(name)))
            for name, root in [(PARAGRAPHS, live.paragraphs), *self._other_roots()]
        ]

    def _other_roots(self) -> list[tuple[str, Any]]:
        return [
            *self.live.records.items(),
            ("meta", self.live.meta),
            ("speakers", self.live.speakers),
        ]

    def _collector(self, root: str) -> Callable[[list[Any]], None]:
        def collect(events: list[Any]) -> None:
            self._events.extend((root, event) for event in events)

        return collect

    def _read_some(self) -> None:
        """Read the next few paragraphs (the document is as admitted between loop steps)."""
        self._reading = None
        for paragraph in self._unread[-READ_STEP:]:
            if paragraph not in self.runs:
                self.runs[paragraph] = self.live.runs(paragraph)
        del self._unread[-READ_STEP:]
        if self._unread:
            self._reading = asyncio.get_running_loop().call_soon(self._read_some)

    def _read_all(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        for paragraph in self._unread:
            if paragraph not in self.runs:
                self.runs[paragraph] = self.live.runs(paragraph)
        self._unread = []

    def close(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        for root, subscription in self._subscriptions:
            root.unobserve(subscription)
        self._subscriptions.clear()
        self._undo.clear()  # undo managers observe the doc too

    def _manager(self, origin: Hashable) -> UndoManager:
        """The undo manager of one origin, made on its first write: readers never need one
        (each manager observes every transaction of the document)."""
        manager = self._undo.get(origin)
        if manager is None:
            manager = UndoManager(scopes=self.live.roots, capture_timeout_millis=0)
            manager.include_origin(origin)
            self._undo[origin] = manager
        return manager

    def detach(self, origin: Hashable) -> None:
        self._undo.pop(origin, None)

    def admit(
        self, update: bytes, origin: Hashable, editor: Editor, draft: Draft
    ) -> Admitted | Refusal:
        """Apply a client's update; keep it if every change follows the rules, else revert it."""
        if self._unread:
            self._read_all()  # the text before this edit, for every paragraph it may touch
        self._events.clear()
        self._manager(origin)
        with self.live.doc.transaction(origin=origin):
            self.live.doc.apply_update(update)
        events, self._events = self._events, []
        touched = [self._paragraph_of(root, event) for root, event in events]
        self._after = {}
        verdict = self._judge(events, touched, editor, draft)
        self._touched = None if None in touched else {p for p in touched if p}
        if isinstance(verdict, Refusal):
            self.settle(origin, keep=False)
        return verdict

    def absorb(self, updates: list[bytes], origin: Hashable) -> set[str] | None:
        """Apply updates another process already judged and stored; keep the text current."""
        if self._unread:
            self._read_all()
        self._events.clear()
        with self.live.doc.transaction(origin=origin):
            for update in updates:
                self.live.doc.apply_update(update)
        events, self._events = self._events, []
        touched = [self._paragraph_of(root, event) for root, event in events]
        paragraphs = None if None in touched else {p for p in touched if p}
        self.refresh(paragraphs)
        return paragraphs

    def settle(self, origin: Hashable, *, keep: bool) -> None:
        """Keep or revert the origin's last admitted transaction (the shell may still refuse
        it, e.g. when the procedure refuses the amendment it would register)."""
        manager = self._manager(origin)
        if not keep:
            manager.undo()
            self._events.clear()
            self._after = {}
        manager.clear()
        after, touched = self._after, self._touched
        if keep and after and touched is not None and touched <= after.keys():
            self.runs.update(after)  # the text as judged: nothing wrote it since
            self._after = {}
            return
        self.refresh(touched)

    def refresh(self, paragraphs: set[str] | None = None) -> None:
        """Re-read the text (of ``paragraphs``, or all) after the server or a revert wrote it."""
        self._after = {}  # what the last judged edit left may be stale now
        if paragraphs is None:
            self._read_all()
            self.runs = self.live.all_runs()
            return
        for paragraph in paragraphs:
            self.runs[paragraph] = self.live.runs(paragraph)

    def _judge(
        self,
        events: list[tuple[str, Any]],
        paragraphs: list[str | None],
        editor: Editor,
        draft: Draft,
    ) -> Admitted | Refusal:
        changed: dict[str, tuple[Runs, Runs]] = {}
        new_ids: dict[str, str] = {}
        emptied: set[str] = set()
        known = self._bindings(draft)
        for (_root, event), paragraph in zip(events, paragraphs, strict=True):
            if paragraph is None:
                return Refusal(SERVER_ONLY, "only the server writes outside paragraph text")
            before = self.runs.get(paragraph, ())
            try:
                delta = delta_from_utf8(plain(before), delta_from_yjs(event.delta))
            except DeltaError as error:
                return Refusal("malformed_delta", str(error), paragraph)
            if paragraph not in draft.paragraphs or draft.paragraphs[paragraph].removed:
                return Refusal("unknown_paragraph", f"no paragraph {paragraph}", paragraph)
            verdict = check_edit(before, delta, editor, site(draft, paragraph, known))
            if isinstance(verdict, Violation):
                return Refusal(verdict.code.value, verdict.reason, paragraph)
            after = verdict.after
            changed[paragraph] = (before, after)
            self._after[paragraph] = after
            new_ids.update(dict.fromkeys(verdict.new_ids, paragraph))
            emptied |= verdict.emptied_ids
        return Admitted(changed, new_ids, frozenset(emptied))

    def _bindings(self, draft: Draft) -> dict[str, Binding]:
        """The draft's amendment bindings, built once per version of the record (the draft
        is immutable: a new record state is a new object), not once per keystroke."""
        if self._known is None or self._known[0] is not draft:
            self._known = (draft, bindings(draft))
        return self._known[1]

    def _paragraph_of(self, root: str, event: Any) -> str | None:
        """The paragraph whose text an event changed; None for any other kind of change."""
        path = list(getattr(event, "path", []))
        if root != PARAGRAPHS or not isinstance(event, TextEvent) or len(path) != 2:
            return None
        index, key = path
        if key != "text" or not isinstance(index, int):
            return None
        return self.live.paragraph_id_at(index)
