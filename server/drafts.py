"""Drafts between the core and storage: the record in and out, and creating a draft whole.

A draft is created by running the core's commands, building its live document from the events,
and committing both (events + the document's first update) in one storage transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from drafting import commands as cmd
from drafting.context import Context
from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.events import from_record, to_record
from drafting.procedure import run
from drafting.record import Recorded, replay
from drafting.runs import Runs
from drafting.settlement import marking_delta
from drafting.vocabulary import Constituency, Role
from server.livedoc import LiveDoc
from server.storage import Storage
from server.storage.records import DelegationRecord, NewEvent, StoredEvent

SERVER_ORIGIN = "server"


def to_new_event(recorded: Recorded) -> NewEvent:
    kind, payload = to_record(recorded.event)
    return NewEvent(kind, recorded.actor, payload, recorded.at)


def to_recorded(stored: StoredEvent) -> Recorded:
    return Recorded(stored.seq, stored.at, stored.actor, from_record(stored.type, stored.payload))


def delegation_of(record: DelegationRecord) -> Delegation:
    constituency = Constituency(record.constituency)
    return Delegation(record.code, record.name, constituency, Role(record.role))


def roster(storage: Storage) -> dict[str, Delegation]:
    return {d.code: delegation_of(d) for d in storage.list_delegations()}


def load_record(storage: Storage, draft_id: str) -> tuple[Draft | None, list[Recorded]]:
    """The draft's procedural state, replayed from its whole record."""
    history = [to_recorded(e) for e in storage.events(draft_id)]
    return replay(history), history


Acting = tuple[Delegation, cmd.Command]  # a command issued by another delegation than ``actor``


def create_draft(
    storage: Storage,
    commands: Sequence[cmd.Command | Acting],
    actor: Delegation,
    now: datetime,
    *,
    marks: Mapping[str, Runs] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Draft:
    """Create a draft from ``commands`` (the first a `CreateDraft`), text and record together.

    ``marks``: paragraph id → its text with pending amendments' marks, written over the base
    text the commands gave it (an import's amendments, proposed by the commands). ``progress``
    is told (done, total) as the commands run. Nothing is stored unless every command passes.
    """
    first = commands[0]
    if not isinstance(first[1] if isinstance(first, tuple) else first, cmd.CreateDraft):
        raise ValueError("a draft starts with CreateDraft")
    people = roster(storage)
    draft: Draft | None = None
    history: list[Recorded] = []
    for done, step in enumerate(commands, start=1):
        by, command = step if isinstance(step, tuple) else (actor, step)
        draft, recorded = run(draft, command, Context(by, now, people))
        history.extend(recorded)
        if progress is not None:
            progress(done, len(commands))
    assert draft is not None
    live = LiveDoc()
    with live.doc.transaction(origin=SERVER_ORIGIN):
        live.record(draft, history)
        for paragraph, runs in (marks or {}).items():
            live.apply_delta(paragraph, marking_delta(runs))
    storage.create_draft(draft.title, draft.symbol, draft_id=draft.id)
    storage.commit(
        draft.id,
        0,
        events=[to_new_event(r) for r in history],
        updates=[(SERVER_ORIGIN, state := live.doc.get_update())],
        versions=[(history[-1].seq, state)],
    )
    return draft


def register(storage: Storage, delegations: Iterable[Delegation]) -> dict[str, str]:
    """Add delegations and issue each a sign-in token (shown once, stored hashed)."""
    tokens: dict[str, str] = {}
    for delegation in delegations:
        storage.add_delegation(
            delegation.code, delegation.name, delegation.constituency.value, delegation.role.value
        )
        tokens[delegation.code] = storage.issue_token(delegation.code)
    return tokens
