"""Drafts between the core and storage: the record in and out, and creating a draft whole.

A draft is created by running the core's commands, building its live document from the events,
and committing both (events + the document's first update) in one storage transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from drafting import commands as cmd
from drafting.context import Context
from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.events import from_record, to_record
from drafting.procedure import run
from drafting.record import Recorded, replay
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


def create_draft(
    storage: Storage,
    commands: Sequence[cmd.Command],
    actor: Delegation,
    now: datetime,
) -> Draft:
    """Create a draft from ``commands`` (the first a `CreateDraft`), text and record together."""
    first = commands[0]
    if not isinstance(first, cmd.CreateDraft):
        raise ValueError("a draft starts with CreateDraft")
    context = Context(actor, now, roster(storage))
    draft: Draft | None = None
    history: list[Recorded] = []
    for command in commands:
        draft, recorded = run(draft, command, context)
        history.extend(recorded)
    assert draft is not None
    live = LiveDoc()
    with live.doc.transaction(origin=SERVER_ORIGIN):
        live.record(draft, history)
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
