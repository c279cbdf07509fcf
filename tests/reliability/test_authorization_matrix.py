"""Every role x every API action x every paragraph state → what the core's table says.

Actions come from `server.api.ACTIONS` plus consensus, rewrite and the reads; roles are chair,
secretariat, member, observer, no token and a revoked delegation's token; each paragraph state
(open, under silence, agreed ad referendum, agreed) has its own paragraph, brought back into that
state through the API as the Chair before each case. The expected outcome is computed by replaying
the record (GET /events → `drafting.events.from_record` → `drafting.record.replay`) and asking
`drafting.procedure.decide`; the observed one is the API's status and error code. Text edits the
same way: each kind of edit by each writing role in each state, judged by
`drafting.suggestion.check_edit`, observed as kept or reverted with a ``rejected`` notice.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets

from client.live import LiveClient
from drafting import commands as cmd
from drafting.brackets import clean
from drafting.context import Context
from drafting.delegation import Delegation
from drafting.draft import Draft
from drafting.errors import DraftingError
from drafting.events import from_record
from drafting.procedure import run
from drafting.record import Recorded, apply
from drafting.rewrite import propose_by_rewriting
from drafting.runs import Delete, Insert, Op, Retain, del_key, ins_id
from drafting.suggestion import Editor, Violation, check_edit
from drafting.text_effects import site
from drafting.vocabulary import ParagraphStatus, Role
from server import wire
from server.actions import ACTIONS, Action
from server.api import READS
from server.api_request import ApiError
from server.drafts import create_draft, roster
from server.failures import http_status
from server.room import new_amendment_id
from server.storage import Storage
from tests.reliability.conftest import Demo

ROLES: dict[str, str | None] = {
    "chair": "CHAIR",
    "secretariat": "SECRETARIAT",
    "member": "BRA",
    "observer": "WIKI",
    "none": None,
    "revoked": "CHE",
}
STATES = ("open", "under_silence", "agreed_ad_ref", "agreed")
API_PARAGRAPH = dict(zip(STATES, ("par-01", "par-02", "par-03", "par-04"), strict=True))
EDIT_PARAGRAPH = dict(zip(STATES, ("par-11", "par-12", "par-13", "par-14"), strict=True))
SIDE = "par-05"  # where the member keeps a standing objection to withdraw
OTHER_DRAFT = "other-draft"


def bodies(p: str, a: str) -> dict[str, list[dict[str, Any]]]:
    """Request bodies per route (a new route without one fails the test: add it here)."""
    return {
        "/paragraphs": [{"kind": "operative", "text": "An added paragraph."}],
        "/paragraphs/{paragraph}/propose-after": [{"text": "A proposed paragraph."}],
        "/paragraphs/{paragraph}/alternative": [{"text": "An alternative wording."}],
        "/paragraphs/{paragraph}/propose-deletion": [{}],
        "/paragraphs/{paragraph}/move": [{"after": SIDE}],
        "/paragraphs/{paragraph}/relabel": [{"label": "OP99"}],
        "/paragraphs/{paragraph}/reopen": [{}],
        "/paragraphs/{paragraph}/ad-referendum": [{"pending": ["BRA"]}],
        "/paragraphs/{paragraph}/confirm": [{}],
        "/amendments/{amendment}/support": [{}],
        "/amendments/{amendment}/unsupport": [{}],
        "/amendments/{amendment}/withdraw": [{}],
        "/amendments/{amendment}/reject": [{}],
        "/objections": [
            {"target": f"paragraph:{p}", "reason": "no"},
            {"target": f"amendment:{a}", "reason": "no"},
        ],
        "/objections/{objection}": [{}],
        "/reservations": [{"target": f"paragraph:{p}", "text": "We reserve our position."}],
        "/silence": [{"target": f"paragraph:{p}", "hours": 1}],
        "/adopt": [{}],
        "/contributions": [{"text": "A written contribution.", "paragraph": p}],
        "/contributions/{contribution}/take-up": [{}],
        "/speakers": [{}],
        "/speakers/next": [{}],
        "/speakers/end": [{}],
    }


@pytest.fixture(scope="module")
def shared_env() -> dict[str, str]:
    return {"IDLE_UNLOAD_SECONDS": "3600", "CONNECTIONS_PER_TOKEN": "1000"}


@pytest.fixture(scope="module")
def court_db(shared_server: Demo) -> Iterator[Storage]:
    """The revoked delegation, and a second draft whose ids must mean nothing in the first."""
    storage = Storage.open(shared_server.server.database_url)
    storage.revoke_delegation("CHE")
    secretariat = roster(storage)["SECRETARIAT"]
    create_draft(
        storage,
        (
            cmd.CreateDraft(OTHER_DRAFT, "Another draft", "OTHER/1"),
            cmd.AddParagraph("oth-01", "operative", "Another paragraph entirely."),
            cmd.ProposeAmendment("a-other-1", "oth-01", "insert", "more"),
            cmd.SubmitContribution("c-other-1", "Another contribution.", "oth-01"),
        ),
        secretariat,
        datetime.now(UTC),
    )
    yield storage
    storage.close()


class Court:
    """The API as each role calls it, and the record replayed locally."""

    def __init__(self, demo: Demo, storage: Storage) -> None:
        self.demo = demo
        self.roster = roster(storage)
        self.http = httpx.AsyncClient(base_url=demo.server.base_url, timeout=30)
        self._state: Draft | None = None
        self._seq = 0

    def headers(self, code: str | None) -> dict[str, str]:
        return {} if code is None else {"Authorization": f"Bearer {self.demo.tokens[code]}"}

    async def call(
        self, code: str | None, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        url = f"/api/drafts/{self.demo.draft_id}{path}"
        answer = await self.http.request(method, url, json=body, headers=self.headers(code))
        return answer.status_code, answer.json()

    async def ok(
        self, code: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        status, answer = await self.call(code, method, path, body)
        assert status == 200, f"set-up {code} {method} {path} {body}: {status} {answer}"
        return answer

    async def draft(self) -> Draft:
        """The record replayed locally: only the events since the last call are fetched and
        folded onto the state they follow (a full replay each time made the matrix slow)."""
        _, answer = await self.call("CHAIR", "GET", f"/events?after={self._seq}")
        for e in answer["events"]:
            event = from_record(e["type"], e["payload"])
            recorded = Recorded(e["seq"], datetime.fromisoformat(e["at"]), e["actor"], event)
            self._state = apply(self._state, recorded)
            self._seq = recorded.seq
        assert self._state is not None
        return self._state

    async def clean_text(self, paragraph: str) -> str:
        _, view = await self.call("CHAIR", "GET", "")
        return str(next(p["clean"] for p in view["paragraphs"] if p["id"] == paragraph))

    async def ensure(self, state: str, paragraph: str) -> Draft:
        """Bring ``paragraph`` into ``state`` (open: with a pending USA amendment in it)."""
        draft = await self.draft()
        par = draft.paragraphs[paragraph]
        pending = [a for a in draft.amendments.values() if a.paragraph == paragraph and a.pending]
        usa = any(a.proposer == "USA" for a in pending)
        if par.status.value != state or (state == "open" and not usa):
            if par.status != ParagraphStatus.OPEN:
                await self.ok("CHAIR", "POST", f"/paragraphs/{paragraph}/reopen")
                draft = await self.draft()
            ours = {f"paragraph:{paragraph}"} | {f"amendment:{a.id}" for a in pending}
            for o in draft.objections.values():
                if o.outstanding and str(o.target) in ours:
                    await self.ok(o.delegation, "DELETE", f"/objections/{o.id}")
            for a in pending:
                await self.ok("CHAIR", "POST", f"/amendments/{a.id}/reject")
            text = await self.clean_text(paragraph)
            answer = await self.ok(
                "USA", "POST", f"/paragraphs/{paragraph}/rewrite", {"text": text + " firmly"}
            )
            if state != "open":
                for a in answer["amendments"]:
                    await self.ok("CHAIR", "POST", f"/amendments/{a['id']}/reject")
                target = {"target": f"paragraph:{paragraph}"}
                if state == "under_silence":
                    await self.ok("CHAIR", "POST", "/silence", {**target, "hours": 1})
                elif state == "agreed_ad_ref":
                    await self.ok(
                        "CHAIR",
                        "POST",
                        f"/paragraphs/{paragraph}/ad-referendum",
                        {"pending": ["BRA"]},
                    )
                else:
                    await self.ok("CHAIR", "POST", "/consensus", target)
        draft = await self.draft()
        side = f"paragraph:{SIDE}"
        standing = [
            o
            for o in draft.objections.values()
            if o.outstanding and o.delegation == "BRA" and str(o.target) == side
        ]
        if not standing:
            await self.ok("BRA", "POST", "/objections", {"target": side, "reason": "standing"})
        if not any(c.status.value == "submitted" for c in draft.contributions.values()):
            await self.ok("WIKI", "POST", "/contributions", {"text": "A contribution."})
        draft = await self.draft()
        assert draft.paragraphs[paragraph].status.value == state
        return draft

    def expected(self, code: str | None, build: Any, draft: Draft) -> tuple[int, str | None]:
        """What the core says: (200, None), or the error's status and code."""
        if code is None or code == "CHE":
            return 401, "unauthenticated"
        actor = self.roster[code]
        try:
            commands = build(actor)
            state: Draft | None = draft
            context = Context(actor, datetime.now(UTC), self.roster)
            for command in commands:
                state, _ = run(state, command, context)
        except ApiError as error:
            return error.status, error.code
        except DraftingError as error:
            return http_status(error.code), error.code.value
        return 200, None


def observed(status: int, answer: Any) -> tuple[int, str | None]:
    code = answer.get("error", {}).get("code") if isinstance(answer, dict) else None
    return (200, None) if status == 200 else (status, code)


@pytest.fixture
async def court(shared_server: Demo, court_db: Storage) -> AsyncIterator[Court]:
    court = Court(shared_server, court_db)
    yield court
    await court.http.aclose()


def ids_in(draft: Draft, paragraph: str) -> dict[str, str]:
    amendments = [a for a in draft.amendments.values() if a.paragraph == paragraph]
    objections = [
        o for o in draft.objections.values() if o.delegation == "BRA" and o.outstanding
    ] or list(draft.objections.values())
    contributions = [c for c in draft.contributions.values() if c.status.value == "submitted"]
    return {
        "paragraph": paragraph,
        "amendment": amendments[-1].id if amendments else "a-none",
        "objection": objections[-1].id if objections else "o-none",
        "contribution": contributions[-1].id if contributions else "c-none",
    }


def action_cases() -> list[tuple[str, Action | str]]:
    return [(a.method, a) for a in ACTIONS] + [("POST", "consensus"), ("POST", "rewrite")]


@pytest.mark.parametrize("state", STATES)
async def test_every_role_and_action_gets_what_the_core_decides(court: Court, state: str) -> None:
    paragraph = API_PARAGRAPH[state]
    mismatches: list[str] = []
    cases = 0
    for method, action in action_cases():
        for role, code in ROLES.items():
            draft = await court.ensure(state, paragraph)
            ids = ids_in(draft, paragraph)
            a = ids["amendment"]
            if action == "consensus":
                variants: list[tuple[str, dict[str, Any], Any]] = [
                    ("/consensus", {"target": t}, lambda actor, t=t: [cmd.CallConsensus(t)])
                    for t in (f"paragraph:{paragraph}", f"amendment:{a}")
                ]
            elif action == "rewrite":
                text = (await court.clean_text(paragraph)) + " urgently"
                runs = await court_runs(court, paragraph)

                def rewrite(
                    actor: Delegation, runs: Any = runs, text: str = text, draft: Draft = draft
                ) -> list[cmd.Command]:
                    draft.paragraph(paragraph)
                    done = propose_by_rewriting(runs, text, new_amendment_id)
                    return [
                        cmd.ProposeAmendment(x.id, paragraph, x.kind.value, x.inserted, x.deleted)
                        for x in done.amendments
                    ]

                variants = [(f"/paragraphs/{paragraph}/rewrite", {"text": text}, rewrite)]
            else:
                assert isinstance(action, Action)
                table = bodies(paragraph, a)
                assert action.path in table, f"new API action {action.path}: give it a body"
                path = action.path.format(**ids)
                variants = [
                    (path, body, lambda actor, b=body, x=action, i=ids: [x.build(b, i, actor)])
                    for body in table[action.path]
                ]
            for path, body, build in variants:
                expected = court.expected(code, build, draft)
                status, answer = await court.call(code, method, path, body)
                cases += 1
                if observed(status, answer) != expected:
                    mismatches.append(
                        f"{state} {role} {method} {path} {body}: core says {expected}, "
                        f"API answered {status} {answer}"
                    )
    assert cases >= 6 * (len(ACTIONS) + 2)
    assert not mismatches, "\n".join(mismatches)


async def court_runs(court: Court, paragraph: str) -> Any:
    reader = await court.demo.client("IFLA").connect()
    try:
        await reader.wait_for(
            lambda: reader.synced.is_set() and paragraph in reader.paragraph_ids()
        )
        return reader.runs(paragraph)
    finally:
        await reader.close()


async def test_every_read_needs_a_valid_token(court: Court) -> None:
    mismatches = []
    for path, _, _ in READS:
        url = path.replace("{draft}", court.demo.draft_id)
        for role, code in ROLES.items():
            answer = await court.http.get(url, headers=court.headers(code))
            want = 401 if code in (None, "CHE") else 200
            if answer.status_code != want:
                mismatches.append(f"{role} GET {url}: {answer.status_code}, expected {want}")
    assert not mismatches, "\n".join(mismatches)


OTHER_IDS = [
    ("POST", "/amendments/a-other-1/support", {}, "BRA", "unknown_amendment"),
    ("POST", "/amendments/a-other-1/reject", {}, "CHAIR", "unknown_amendment"),
    ("POST", "/paragraphs/oth-01/reopen", {}, "CHAIR", "unknown_paragraph"),
    ("POST", "/paragraphs/oth-01/propose-deletion", {}, "BRA", "unknown_paragraph"),
    ("POST", "/objections", {"target": "paragraph:oth-01"}, "BRA", "unknown_paragraph"),
    ("POST", "/objections", {"target": "amendment:a-other-1"}, "BRA", "unknown_amendment"),
    ("DELETE", "/objections/o-other-1", {}, "BRA", "unknown_objection"),
    ("POST", "/consensus", {"target": "amendment:a-other-1"}, "CHAIR", "unknown_amendment"),
    ("POST", "/contributions/c-other-1/take-up", {}, "CHAIR", "unknown_contribution"),
    ("POST", "/paragraphs/oth-01/rewrite", {"text": "x"}, "BRA", "unknown_paragraph"),
]


@pytest.mark.parametrize(("method", "path", "body", "code", "error"), OTHER_IDS)
async def test_another_drafts_ids_are_unknown_here(
    court: Court, method: str, path: str, body: dict[str, Any], code: str, error: str
) -> None:
    status, answer = await court.call(code, method, path, body)
    assert (status, answer["error"]["code"]) == (http_status(error), error)
    other = await court.http.get(
        f"/api/drafts/{OTHER_DRAFT}/events", headers=court.headers("CHAIR")
    )
    assert len(other.json()["events"]) == 4  # and the other draft is untouched


async def test_supporting_or_objecting_to_ones_own_amendment_is_refused(court: Court) -> None:
    draft = await court.ensure("open", API_PARAGRAPH["open"])
    own = next(a.id for a in draft.amendments.values() if a.pending and a.proposer == "USA")
    status, answer = await court.call("USA", "POST", f"/amendments/{own}/support")
    assert (status, answer["error"]["code"]) == (409, "own_amendment")
    status, answer = await court.call("USA", "POST", "/objections", {"target": f"amendment:{own}"})
    assert (status, answer["error"]["code"]) == (409, "own_amendment")
    status, answer = await court.call("WIKI", "POST", "/objections", {"target": f"amendment:{own}"})
    assert (status, answer["error"]["code"]) == (403, "forbidden")


async def test_a_revoked_delegations_token_is_refused_on_the_socket(court: Court) -> None:
    url = court.demo.client("CHE").sync_url
    async with websockets.connect(url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


@pytest.mark.parametrize(
    ("sender", "claim"),
    [("WIKI", "CHAIR"), ("BRA", "CHAIR"), ("SECRETARIAT", "CHAIR"), ("CHAIR", "BRA")],
)
async def test_presence_is_stamped_with_the_true_sender_whatever_the_role(
    court: Court, sender: str, claim: str
) -> None:
    watcher_url = court.demo.client("IFLA").sync_url
    sender_url = court.demo.client(sender).sync_url
    client_id = secrets.randbelow(2**31)
    async with websockets.connect(watcher_url) as watcher, websockets.connect(sender_url) as ws:
        state = {"delegation": {"code": claim, "role": court.roster[claim].role.value}}
        entry = wire.AwarenessEntry(client_id, 1, json.dumps(state))
        await ws.send(wire.awareness_frame(wire.awareness_update([entry])))
        while True:
            frame = await asyncio.wait_for(watcher.recv(), 10)
            assert isinstance(frame, bytes)
            message = wire.parse(frame)
            if isinstance(message, wire.Awareness):
                seen = [e for e in wire.awareness_entries(message.payload) if e.client == client_id]
                if seen:
                    break
    true = court.roster[sender]
    stamped = json.loads(seen[0].state)["delegation"]
    assert stamped == {"code": true.code, "name": true.name, "role": true.role.value}


# -- text edits ---------------------------------------------------------------------------------

EDIT_ROLES = {"chair": "CHAIR", "secretariat": "SECRETARIAT", "member": "BRA", "observer": "WIKI"}
EDITS = (
    "insert_own_id",
    "insert_plain",
    "delete_base",
    "mark_own_deletion",
    "delete_in_foreign_insertion",
    "forge_foreign_id",
)


def edit_delta(kind: str, code: str, runs: Any, draft: Draft, paragraph: str) -> tuple[Op, ...]:
    """The edit, in characters: at the first stretch of base text, or in USA's insertion."""
    base = foreign = None
    pos = 0
    for r in runs:
        if ins_id(r.attrs) is None and base is None and len(r.text) >= 6:
            base = pos + 1
        if ins_id(r.attrs) is not None and foreign is None and len(r.text) >= 3:
            owner = draft.amendments.get(ins_id(r.attrs) or "")
            if owner is not None and owner.proposer == "USA":
                foreign = pos + 1
        pos += len(r.text)
    assert base is not None
    fresh = f"{code}-{secrets.token_hex(4)}"
    usa = [a.id for a in draft.amendments.values() if a.proposer == "USA"]
    if kind == "insert_own_id":
        return (Retain(base), Insert("[own] ", {"ins": fresh}))
    if kind == "insert_plain":
        return (Retain(base), Insert("plain ", {}))
    if kind == "delete_base":
        return (Retain(base), Delete(3))
    if kind == "mark_own_deletion":
        return (Retain(base), Retain(3, {del_key(fresh): True}))
    if kind == "delete_in_foreign_insertion":
        return (Retain(foreign if foreign is not None else base), Delete(1))
    return (Retain(base), Insert("forged ", {"ins": usa[-1]}))


async def barrier(client: LiveClient) -> None:
    """Everything the server sent this client before answering a fresh sync step 1 is in."""
    client.synced.clear()
    await client.send_raw(wire.sync_frame(wire.SyncType.STEP1, client.live.doc.get_state()))
    await client.wait_for(lambda: client.synced.is_set())


@pytest.mark.parametrize("state", STATES)
async def test_every_kind_of_edit_by_every_role_gets_the_validators_verdict(
    court: Court, state: str
) -> None:
    paragraph = EDIT_PARAGRAPH[state]
    writers = {role: await court.demo.client(code).connect() for role, code in EDIT_ROLES.items()}
    watcher = await court.demo.client("IFLA").connect()
    everyone = [*writers.values(), watcher]
    mismatches: list[str] = []
    try:
        for kind in EDITS:
            for role, code in EDIT_ROLES.items():
                draft = await court.ensure(state, paragraph)
                sender = writers[role]
                for client in everyone:  # everyone holds the draft as the server has it
                    await barrier(client)
                await watcher.wait_for(
                    lambda: (
                        all(c.runs(paragraph) == watcher.runs(paragraph) for c in everyone)
                        and clean(watcher.runs(paragraph)) != ""
                    ),
                    also=everyone,
                )
                before = sender.runs(paragraph)
                delta = edit_delta(kind, code, before, draft, paragraph)
                editor = Editor(code, Role(court.roster[code].role))
                verdict = check_edit(before, delta, editor, site(draft, paragraph))
                notices = len(sender.notices)
                sender.live.apply_delta(paragraph, delta)
                edited = sender.runs(paragraph)
                label = f"{state} {role} {kind}"
                if isinstance(verdict, Violation):
                    want = verdict.code.value
                    try:
                        await sender.wait_for(
                            lambda s=sender, n=notices: any(  # type: ignore[misc]
                                x.get("type") == "rejected" for x in s.notices[n:]
                            ),
                            timeout=5,
                        )
                        await sender.wait_for(lambda s=sender, b=before: s.runs(paragraph) == b, 5)  # type: ignore[misc]
                    except TimeoutError:
                        mismatches.append(f"{label}: expected reverted ({want}), but it stayed")
                        continue
                    got = [x["code"] for x in sender.notices[notices:] if x["type"] == "rejected"]
                    if got != [want]:
                        mismatches.append(f"{label}: expected {want}, notices {got}")
                else:
                    await barrier(sender)
                    got = [x["code"] for x in sender.notices[notices:] if x["type"] == "rejected"]
                    if got:
                        mismatches.append(f"{label}: expected kept, refused with {got}")
                        continue
                    try:
                        await watcher.wait_for(lambda e=edited: watcher.runs(paragraph) == e, 5)  # type: ignore[misc]
                    except TimeoutError:
                        mismatches.append(f"{label}: kept by the sender, never reached others")
    finally:
        for client in everyone:
            await client.close()
    assert not mismatches, "\n".join(mismatches)
