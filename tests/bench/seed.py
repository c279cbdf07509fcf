"""Benchmark databases: the demo roster plus N member delegations, M drafts, big drafts.

Everything goes through the same code the server uses (`register`, `create_draft`); the long
history and the 20 MB draft are written straight through `Storage.append_updates` with
pycrdt-made updates (by the secretariat, in base text: legal, and unknown to the record).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pycrdt import Array, Doc, Text

from drafting import commands as cmd
from drafting import demo
from drafting.delegation import Delegation
from drafting.vocabulary import Constituency, Role
from server.drafts import create_draft, register
from server.livedoc import PARAGRAPHS
from server.storage import Storage

HISTORY_ORIGIN = "client:SECRETARIAT"
WORDS = [
    "enhanced",
    "cooperation",
    "international",
    "public",
    "policy",
    "Internet",
    "governance",
    "stakeholders",
    "capacity",
    "development",
    "multilingualism",
    "transparency",
    "accountability",
    "human",
    "rights",
]


@dataclass
class Seeded:
    """What a scenario needs to know about its database."""

    drafts: list[str]
    writers: list[tuple[str, str]]  # (code, token) of member delegations that type
    readers: list[str]  # tokens to read with (any role)
    info: dict[str, Any] = field(default_factory=dict)


def bench_member(i: int) -> Delegation:
    return Delegation(f"BM{i:03d}", f"Bench member {i}", Constituency.MEMBER_STATE, Role.MEMBER)


def draft_commands(draft_id: str, paragraphs: int) -> list[cmd.Command]:
    texts = [text for _kind, text in demo.PARAGRAPHS]
    return [
        cmd.CreateDraft(draft_id, f"Bench draft {draft_id}", draft_id.upper()),
        *(
            cmd.AddParagraph(f"par-{i:03d}", "operative", texts[i % len(texts)])
            for i in range(paragraphs)
        ),
    ]


def seed(
    database_url: str,
    *,
    writers: int,
    drafts: int = 1,
    paragraphs: int = 20,
    history_updates: int = 0,
    big_bytes: int = 0,
    readers: int = 50,
) -> Seeded:
    """Migrate, register the demo roster and ``writers`` bench members, create the drafts.

    Drafts are copies of the demo draft (``paragraphs`` of its texts, in turn); with
    ``history_updates`` or ``big_bytes`` draft 0 gets that much text written as history.
    ``readers`` tokens are issued to the roster's delegations in turn, one per reading client."""
    storage = Storage.open(database_url)
    try:
        storage.migrate()
        members = [bench_member(i) for i in range(writers)]
        tokens = register(storage, [*demo.ROSTER, *members])
        # one token per reading client: the server caps connections per token
        reader_tokens = [
            storage.issue_token(demo.ROSTER[i % len(demo.ROSTER)].code) for i in range(readers)
        ]
        secretariat = next(d for d in demo.ROSTER if d.code == "SECRETARIAT")
        now = datetime.now(UTC)
        ids = []
        for n in range(drafts):
            draft_id = f"bench-{n:03d}"
            create_draft(storage, draft_commands(draft_id, paragraphs), secretariat, now)
            ids.append(draft_id)
        info: dict[str, Any] = {"paragraphs": paragraphs}
        if history_updates:
            info["history"] = write_history(storage, ids[0], history_updates)
        if big_bytes:
            info["big"] = write_big(storage, ids[0], big_bytes)
    finally:
        storage.close()
    return Seeded(
        drafts=ids,
        writers=[(m.code, tokens[m.code]) for m in members],
        readers=reader_tokens,
        info=info,
    )


def load_doc(storage: Storage, draft_id: str) -> Doc:
    loaded = storage.load(draft_id)
    doc: Doc = Doc()
    if loaded.snapshot is not None:
        doc.apply_update(loaded.snapshot.state)
    for update in loaded.updates:
        doc.apply_update(update.data)
    return doc


def _texts(doc: Doc) -> list[Text]:
    return [item["text"] for item in doc.get(PARAGRAPHS, type=Array)]


def write_history(storage: Storage, draft_id: str, count: int, chunk: int = 5000) -> dict:
    """``count`` one-word edits (one Yjs update each) spread over the paragraphs, as stored
    updates: what a long negotiation leaves behind. Each is its transaction's own update, as a
    client sends it (``doc.get_update(state)`` would carry the whole delete set every time)."""
    started = time.monotonic()
    doc = load_doc(storage, draft_id)
    texts = _texts(doc)
    pending: list[tuple[str, bytes]] = []
    subscription = doc.observe(lambda event: pending.append((HISTORY_ORIGIN, event.update)))
    for i in range(count):
        text = texts[i % len(texts)]
        # alternate: insert a word, delete it again every third edit (history, not just growth)
        if i % 3 == 2 and len(text) > 8:
            del text[len(text) - 6 : len(text) - 1]
        else:
            text.insert(len(text), " " + WORDS[i % len(WORDS)][:5], {})
        if len(pending) >= chunk:
            storage.append_updates(draft_id, pending)
            pending.clear()
    doc.unobserve(subscription)
    if pending:
        storage.append_updates(draft_id, pending)
    return {
        "updates": count,
        "state_bytes": len(doc.get_update()),
        "seconds": round(time.monotonic() - started, 1),
    }


def write_big(storage: Storage, draft_id: str, target_bytes: int) -> dict:
    """Grow the draft to about ``target_bytes`` of Yjs state: paragraphs made of many small
    separately inserted runs (front inserts do not merge into one item)."""
    started = time.monotonic()
    doc = load_doc(storage, draft_id)
    texts = _texts(doc)
    run = " ".join(WORDS)[:120] + " "
    rounds = max(1, target_bytes // (len(run) * len(texts)))
    pending: list[tuple[str, bytes]] = []
    subscription = doc.observe(lambda event: pending.append((HISTORY_ORIGIN, event.update)))
    for r in range(rounds):
        with doc.transaction():
            for text in texts:
                text.insert(0, run, {})
        if len(pending) >= 200 or r == rounds - 1:
            storage.append_updates(draft_id, pending)
            pending.clear()
    doc.unobserve(subscription)
    state = doc.get_update()
    # one snapshot so the server loads it in one read (compaction's normal outcome)
    last_id = storage.updates(draft_id)[-1].id
    storage.compact(draft_id, last_id, state, event_seq=storage.last_seq(draft_id))
    return {"state_bytes": len(state), "seconds": round(time.monotonic() - started, 1)}
