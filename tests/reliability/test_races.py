"""Concurrent objections, withdrawals and consensus calls on one paragraph: a serial history.

One server process; the two-process PostgreSQL variant belongs to the scale-out issue and is
not here. 200 seeded interleavings: after each, the record replays to the server's state, every
successful call's events are in the record as decided, and no paragraph is ever agreed while an
objection recorded before its agreement is outstanding.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from typing import Any

import httpx

from drafting import events as ev
from drafting.events import from_record
from drafting.record import Recorded, replay
from tests.reliability.conftest import Demo

ROUNDS = 200
MEMBERS = ("BRA", "USA", "CHN", "EGY", "IND")
PARAGRAPHS = [f"par-{n:02d}" for n in range(6, 11)]


def check_history(events: list[dict[str, Any]]) -> None:
    outstanding: dict[str, dict[str, str]] = {}
    for e in events:
        event = from_record(e["type"], e["payload"])
        if isinstance(event, ev.ObjectionRaised):
            outstanding.setdefault(event.target, {})[event.objection] = event.delegation
        elif isinstance(event, ev.ObjectionWithdrawn):
            for found in outstanding.values():
                found.pop(event.objection, None)
        elif isinstance(event, ev.ParagraphAgreed):
            standing = outstanding.get(f"paragraph:{event.paragraph}", {})
            assert not standing, f"seq {e['seq']}: agreed over objections {standing}"


async def test_concurrent_objections_withdrawals_and_consensus_form_a_serial_history(
    demo_server: Demo,
) -> None:
    rng = random.Random(1000)
    tokens = demo_server.tokens
    base = f"/api/drafts/{demo_server.draft_id}"
    async with httpx.AsyncClient(base_url=demo_server.server.base_url, timeout=30) as http:

        async def call(code: str, method: str, path: str, body: Any = None) -> Any:
            headers = {"Authorization": f"Bearer {tokens[code]}"}
            answer = await http.request(method, base + path, json=body, headers=headers)
            return answer.status_code, answer.json()

        for round_ in range(ROUNDS):
            paragraph = PARAGRAPHS[round_ % len(PARAGRAPHS)]
            target = {"target": f"paragraph:{paragraph}"}
            _, view = await call("CHAIR", "GET", "")
            par = next(p for p in view["paragraphs"] if p["id"] == paragraph)
            if par["status"] != "open":
                assert (await call("CHAIR", "POST", f"/paragraphs/{paragraph}/reopen"))[0] == 200
            standing = []
            for objection in par["objections"]:
                standing.append((objection["delegation"], objection["id"]))
            if not standing:
                code = rng.choice(MEMBERS)
                _, body = await call(code, "POST", "/objections", target)
                standing.append((code, body["id"]))
            moves: list[Any] = []
            for code, objection in standing:
                if rng.random() < 0.7:
                    moves.append(call(code, "DELETE", f"/objections/{objection}"))
            for code in rng.sample(MEMBERS, rng.randint(0, 2)):
                moves.append(call(code, "POST", "/objections", target))
            moves += [call("CHAIR", "POST", "/consensus", target) for _ in range(rng.randint(1, 3))]
            rng.shuffle(moves)
            answers = await asyncio.gather(*moves)
            assert all(s in (200, 403, 409) for s, _ in answers), answers
            _, record = await call("CHAIR", "GET", "/events")
            events = record["events"]
            seqs = [e["seq"] for e in events]
            assert seqs == list(range(1, len(seqs) + 1))
            by_seq = {e["seq"]: e for e in events}
            for s, body in answers:
                if s == 200:
                    for e in body["events"]:
                        assert by_seq[e["seq"]] == e, "a success is not in the record as answered"
            check_history(events)
            history = [
                Recorded(
                    e["seq"],
                    datetime.fromisoformat(e["at"]),
                    e["actor"],
                    from_record(e["type"], e["payload"]),
                )
                for e in events
            ]
            draft = replay(history)
            assert draft is not None
            _, view = await call("CHAIR", "GET", "")
            assert view["seq"] == draft.seq
            for p in view["paragraphs"]:
                assert p["status"] == draft.paragraphs[p["id"]].status.value
                ours = {
                    o.id
                    for o in draft.objections.values()
                    if o.outstanding and str(o.target) == f"paragraph:{p['id']}"
                }
                assert {o["id"] for o in p["objections"]} == ours
