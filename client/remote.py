"""The online subcommands: ``status``, ``object``, ``support``, ``consensus`` (and a few more),
run against a live server through `client.live.LiveClient`'s API calls.

The server and the caller's token come from ``--server``/``--token`` or the environment
(``ROLLINGTEXT_SERVER``, ``ROLLINGTEXT_TOKEN``); the draft from ``--draft`` or
``ROLLINGTEXT_DRAFT`` (default: the demo draft).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from client.live import LiveClient
from drafting import demo

DEFAULT_SERVER = "http://127.0.0.1:8000"


class RemoteError(Exception):
    """The server refused the command; the message is its error code and message."""


def add_commands(commands: Any) -> None:
    status = commands.add_parser("status", help="show a draft: paragraphs, brackets, who blocks")
    _remote_options(status)
    status.set_defaults(handler=run_status)

    objection = commands.add_parser("object", help="object to a paragraph or an amendment")
    objection.add_argument("target", help="paragraph:<id> or amendment:<id>")
    objection.add_argument("--reason", default="", help="why (shown to the room)")
    _remote_options(objection)
    objection.set_defaults(
        handler=lambda a, s: _call(
            a, "POST", "/objections", {"target": a.target, "reason": a.reason}
        )
    )

    withdraw = commands.add_parser("withdraw-objection", help="withdraw one's objection")
    withdraw.add_argument("objection", help="the objection id")
    _remote_options(withdraw)
    withdraw.set_defaults(handler=lambda a, s: _call(a, "DELETE", f"/objections/{a.objection}"))

    support = commands.add_parser("support", help="support (co-sponsor) an amendment")
    support.add_argument("amendment", help="the amendment id")
    _remote_options(support)
    support.set_defaults(
        handler=lambda a, s: _call(a, "POST", f"/amendments/{a.amendment}/support")
    )

    consensus = commands.add_parser("consensus", help="call consensus (the Chair)")
    consensus.add_argument("target", help="paragraph:<id> or amendment:<id>")
    _remote_options(consensus)
    consensus.set_defaults(
        handler=lambda a, s: _call(a, "POST", "/consensus", {"target": a.target})
    )


def _remote_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", default=os.environ.get("ROLLINGTEXT_SERVER", DEFAULT_SERVER))
    parser.add_argument(
        "--token",
        default=os.environ.get("ROLLINGTEXT_TOKEN"),
        help="your sign-in token (default: $ROLLINGTEXT_TOKEN)",
    )
    parser.add_argument("--draft", default=os.environ.get("ROLLINGTEXT_DRAFT", demo.DRAFT_ID))
    parser.add_argument("--json", action="store_true", help="print JSON")


async def _request(
    args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    if not args.token:
        raise RemoteError("no token: pass --token or set ROLLINGTEXT_TOKEN")
    client = LiveClient(args.server, args.draft, args.token)
    try:
        status, answer = await client.api(method, path, body)
    finally:
        await client.close()
    if status >= 400:
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        blockers = error.get("blockers") or []
        named = "; ".join(
            f"{b['delegation']} objects ({b['objection']})"
            if "delegation" in b
            else f"amendment {b['amendment']} pending"
            for b in blockers
        )
        raise RemoteError(
            f"{error.get('code', status)}: {error.get('message', 'refused')}"
            + (f" — blockers: {named}" if named else "")
        )
    return answer


def _call(
    args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None
) -> int:
    answer = asyncio.run(_request(args, method, path, body))
    if args.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        events = ", ".join(e["type"] for e in answer.get("events", []))
        extra = f" (id {answer['id']})" if "id" in answer else ""
        outcome = answer.get("outcome")
        print(f"{outcome or 'done'}{extra}: {events or 'nothing changed'}")
    return 0


def run_status(args: argparse.Namespace, settings: Any) -> int:
    view = asyncio.run(_request(args, "GET", ""))
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    print(f"{view['symbol']} — {view['title']} [{view['state']}]")
    for paragraph in view["paragraphs"]:
        blockers = ", ".join(o["delegation"] for o in paragraph["objections"])
        note = f"  (objecting: {blockers})" if blockers else ""
        print(f"\n{paragraph['label'] or '·'} [{paragraph['status']}]{note}")
        print(f"  {paragraph['compilation']}")
    pending = [a for a in view["amendments"] if a["status"] == "pending"]
    if pending:
        print("\nPending amendments:")
        for a in pending:
            objecting = ", ".join(o["delegation"] for o in a["objections"])
            print(
                f"  {a['id']} by {a['proposer']} ({a['kind']}) supporters: "
                f"{', '.join(a['supporters']) or '-'} objecting: {objecting or '-'}"
            )
    return 0
