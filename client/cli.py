"""``rollingtext``: the command line. Argument parsing, dispatch and output only.

Expected failures (an existing demo, a duplicate delegation, an unreadable file, a refused
command) print one line to stderr and exit 1; usage errors exit 2. Tokens are printed only by
the commands that hand them out (``demo``, ``delegation add``, ``up``), once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from client import exporting, importing, machine, remote, seeding, serving, signin, webbuild
from drafting import demo
from drafting.errors import DraftingError
from drafting.vocabulary import Constituency, Role
from server.settings import Settings
from server.storage import StorageError

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    seeding.SeedingError,
    StorageError,
    DraftingError,
    machine.SetupFailed,
    webbuild.NpmFailed,
    remote.RemoteError,
)

Handler = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, Settings.from_env())
    except EXPECTED_ERRORS as error:
        print(f"rollingtext: error: {error}", file=sys.stderr)
        return 1


# -- parsing ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollingtext",
        description="Rolling Text: real-time consensus drafting for multilateral negotiations.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="seed the demo working group and its draft")
    _db_option(demo)
    _json_option(demo)
    demo.add_argument(
        "--base-url",
        default=signin.DEFAULT_BASE_URL,
        help=f"server URL for the sign-in links (default: {signin.DEFAULT_BASE_URL})",
    )
    demo.set_defaults(handler=run_demo)

    delegation = commands.add_parser("delegation", help="manage delegations")
    delegation_commands = delegation.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = delegation_commands.add_parser("add", help="register a delegation and print its token")
    add.add_argument("code", metavar="CODE", help="short code, e.g. BRA, EU, ISOC")
    add.add_argument("name", metavar="NAME", help="full name, e.g. 'Brazil'")
    add.add_argument("--constituency", required=True, choices=[c.value for c in Constituency])
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    _db_option(add)
    _json_option(add)
    add.set_defaults(handler=run_delegation_add)

    draft = commands.add_parser("draft", help="manage drafts")
    draft_commands = draft.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = draft_commands.add_parser(
        "import", help="create a draft from a .docx, Markdown or plain-text file"
    )
    imp.add_argument("file", metavar="FILE", type=Path)
    imp.add_argument("--id", dest="draft_id", help="draft id (default: from the file name)")
    imp.add_argument(
        "--symbol", help="document symbol, e.g. WGEC/2026/CRP.2 (default: from an export's)"
    )
    imp.add_argument(
        "--delegation",
        metavar="CODE",
        help="who proposes the brackets that name no delegation (default: the Chair)",
    )
    imp.add_argument(
        "--unknown-authors-to-delegation",
        action="store_true",
        help="attribute Word authors that are no delegation to --delegation instead of refusing",
    )
    _db_option(imp)
    _json_option(imp)
    imp.set_defaults(handler=run_draft_import)

    serve = commands.add_parser("serve", help="run the server")
    _bind_options(serve)
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="server processes on one port (default: $WEB_CONCURRENCY or 1; >1 needs REDIS_URL)",
    )
    serve.set_defaults(handler=run_serve)

    up = commands.add_parser(
        "up", help="set up, seed the demo if the database is empty, print sign-in links, serve"
    )
    _bind_options(up)
    up.set_defaults(handler=run_up)

    setup = commands.add_parser("setup", help="install what pip cannot (npm builds, chromium)")
    setup.add_argument(
        "--for-tests",
        action="store_true",
        help="also the Node test client's packages and Debian's chromium",
    )
    setup.set_defaults(handler=run_setup)
    exp = commands.add_parser(
        "export", help="write a draft (as it stands, or at a point of its record) to a file"
    )
    exp.add_argument("draft", metavar="DRAFT", help="draft id")
    exp.add_argument(
        "--format", required=True, help="docx, html, pdf, markdown (md) or akn (Akoma Ntoso)"
    )
    exp.add_argument("--at", type=int, metavar="SEQ", help="event of the record (default: now)")
    exp.add_argument("--out", metavar="PATH", help="file to write ('-': stdout; default: named)")
    _db_option(exp)
    _json_option(exp)
    exp.set_defaults(handler=run_export)
    remote.add_commands(commands)
    return parser


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $DATABASE_URL, else sqlite:///var/rollingtext.sqlite3)",
    )


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def _bind_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="bind address (default: $HOST, else 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: $PORT, else 8000)")


# -- commands ---------------------------------------------------------------------------------


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    with seeding.open_storage(args.db or settings.database_url) as storage:
        issued = seeding.seed_demo(storage)
    if args.json:
        _print_json(
            {
                "draft": demo.DRAFT_ID,
                "delegations": {
                    i.delegation.code: {"role": i.delegation.role.value, "token": i.token}
                    for i in issued
                },
            }
        )
        return 0
    print(f"Seeded the demo draft {demo.DRAFT_ID} ({demo.SYMBOL}) with {len(issued)} delegations.")
    print("Sign-in links (shown only now; keep them):\n")
    print(signin.link_table(issued, args.base_url))
    return 0


def run_delegation_add(args: argparse.Namespace, settings: Settings) -> int:
    with seeding.open_storage(args.db or settings.database_url) as storage:
        issued = seeding.add_delegation(
            storage, args.code, args.name, Constituency(args.constituency), Role(args.role)
        )
    d = issued.delegation
    if args.json:
        _print_json(
            {
                "code": d.code,
                "name": d.name,
                "constituency": d.constituency.value,
                "role": d.role.value,
                "token": issued.token,
            }
        )
        return 0
    print(f"Added {d.code} ({d.name}), {d.role.value}, {d.constituency.value}.")
    print(f"Sign-in token (shown only now): {issued.token}")
    return 0


def run_draft_import(args: argparse.Namespace, settings: Settings) -> int:
    with seeding.open_storage(args.db or settings.database_url) as storage:
        imported = importing.import_file(
            storage,
            args.file,
            draft_id=args.draft_id,
            symbol=args.symbol,
            delegation=args.delegation,
            unknown_authors_to_delegation=args.unknown_authors_to_delegation,
        )
    if args.json:
        _print_json(
            {
                "draft": imported.draft,
                "title": imported.title,
                "symbol": imported.symbol,
                "paragraphs": len(imported.labels),
                "labels": list(imported.labels),
                "amendments": imported.amendments,
            }
        )
        return 0
    labels = ", ".join(label for label in imported.labels if label)
    print(
        f"Imported draft {imported.draft} ({imported.title}): {len(imported.labels)} paragraphs, "
        f"{imported.amendments} pending amendments"
    )
    if labels:
        print(f"Labels: {labels}")
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    try:
        serving.serve(settings, args.host, args.port, workers=args.workers)
    except serving.NeedsABus as error:
        print(f"rollingtext serve: {error}", file=sys.stderr)
        return 2
    return 0


def run_up(args: argparse.Namespace, settings: Settings) -> int:
    for line in webbuild.ensure_built(required=False):
        print(line)
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    with seeding.open_storage(settings.database_url) as storage:
        if storage.list_drafts():
            issued = seeding.issue_fresh_tokens(storage)
            note = (
                "The database already has drafts: fresh sign-in links were issued "
                "(earlier links keep working)."
            )
        else:
            issued = seeding.seed_demo(storage)
            note = f"Seeded the demo working group and its draft ({demo.SYMBOL})."
        drafts = storage.list_drafts()
    base = signin.base_url(host, port)
    print(f"\n{note}\n")
    print(f"Rolling Text: {base}/")
    for draft in drafts:
        symbol = f" {draft.symbol}" if draft.symbol else ""
        print(f"Draft{symbol}: {base}/project?draft={draft.id}  ({draft.title})")
    print("\nSign-in links (one per delegation; shown only now):\n")
    if issued:
        print(signin.link_table(issued, base))
    else:
        print("  (no delegations: add one with `rollingtext delegation add`)")
    print(flush=True)
    serving.serve(settings, host, port)
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    done = exporting.export(
        args.db or settings.database_url, args.draft, args.format, args.at, args.out
    )
    where = str(done.path) if done.path is not None else "stdout"
    if args.json:
        _print_json({"path": where, "bytes": done.size, "seq": done.seq, "format": done.format})
    elif done.path is not None:
        print(
            f"Wrote {where} ({done.format}, {done.size:,} bytes, the draft after event {done.seq})"
        )
    return 0


def run_setup(args: argparse.Namespace, settings: Settings) -> int:
    for line in machine.setup(for_tests=args.for_tests):
        print(line, flush=True)
    return 0


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
