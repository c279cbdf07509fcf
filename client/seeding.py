"""Filling a database: the demo working group, one delegation, or a draft imported from a file.

Everything here goes through `server.drafts` and `Storage`, so a seeded draft has its record and
its live document from the first event on, exactly as if the secretariat had typed it.
Tokens are returned once, to be shown once; only their digests are stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drafting import commands as cmd
from drafting import demo
from drafting.delegation import Delegation
from drafting.importing import ImportedDraft, import_text
from drafting.vocabulary import Constituency, ParagraphKind, Role
from server.drafts import create_draft, delegation_of, register
from server.storage import Storage


class SeedingError(Exception):
    """A request the database cannot satisfy as asked; the message says what to do instead."""


class AlreadySeeded(SeedingError):
    def __init__(self, draft_id: str) -> None:
        super().__init__(
            f"the demo is already seeded in this database (draft {draft_id!r}); "
            "use a fresh database, or `rollingtext up` to get new sign-in links"
        )


class NoPresidingDelegation(SeedingError):
    def __init__(self) -> None:
        super().__init__(
            "no chair or secretariat delegation in this database to create the draft; add one "
            "first: rollingtext delegation add CODE NAME --constituency intergovernmental "
            "--role secretariat"
        )


class UnreadableFile(SeedingError):
    pass


@dataclass(frozen=True)
class Issued:
    """A delegation and a sign-in token just issued to it (shown once, stored hashed)."""

    delegation: Delegation
    token: str


@dataclass(frozen=True)
class Imported:
    draft: str
    title: str
    symbol: str
    labels: tuple[str, ...]


def now_utc() -> datetime:
    return datetime.now(UTC)


def open_storage(url: str) -> Storage:
    """Storage on ``url``, migrated to the latest schema (idempotent)."""
    storage = Storage.open(url)
    storage.migrate()
    return storage


def seed_demo(storage: Storage, now: datetime | None = None) -> list[Issued]:
    """Register the demo roster with fresh tokens and create the demo draft.

    A roster delegation already present (a seed interrupted before its draft) keeps its record
    and gets a fresh token; an existing demo draft raises `AlreadySeeded` before anything is
    written.
    """
    if storage.get_draft(demo.DRAFT_ID) is not None:
        raise AlreadySeeded(demo.DRAFT_ID)
    present = {d.code for d in storage.list_delegations(include_revoked=True)}
    tokens = register(storage, [d for d in demo.ROSTER if d.code not in present])
    for code in present & {d.code for d in demo.ROSTER}:
        tokens[code] = storage.issue_token(code)
    secretariat = next(d for d in demo.ROSTER if d.role == Role.SECRETARIAT)
    create_draft(storage, demo.seed_commands(), secretariat, now or now_utc())
    return [Issued(d, tokens[d.code]) for d in demo.ROSTER]


def issue_fresh_tokens(storage: Storage) -> list[Issued]:
    """A new token for every active delegation (earlier tokens keep working)."""
    return [
        Issued(delegation_of(record), storage.issue_token(record.code))
        for record in storage.list_delegations()
    ]


def add_delegation(
    storage: Storage, code: str, name: str, constituency: Constituency, role: Role
) -> Issued:
    """Register one delegation (code and name checked by the core) and issue its token."""
    delegation = Delegation(code, name.strip(), constituency, role)
    tokens = register(storage, [delegation])
    return Issued(delegation, tokens[delegation.code])


def presiding_delegation(storage: Storage) -> Delegation:
    """The first active chair or secretariat delegation, by code."""
    for record in storage.list_delegations():
        delegation = delegation_of(record)
        if delegation.presides:
            return delegation
    raise NoPresidingDelegation()


def read_source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"{path} is not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror or error}") from error


def draft_id_for(path: Path) -> str:
    """A draft id from a file name: ``Draft Report (v2).md`` → ``draft-report-v2``."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:64]
    return slug or "draft"


def import_draft(
    storage: Storage,
    path: Path,
    *,
    draft_id: str | None = None,
    symbol: str = "",
    now: datetime | None = None,
) -> Imported:
    """Create a draft from a plain-text or Markdown file, as the presiding delegation."""
    source = read_source(path)
    imported = import_text(source, default_title=path.stem)
    if not imported.paragraphs:
        raise UnreadableFile(f"{path} has no paragraphs to import")
    actor = presiding_delegation(storage)
    commands = _import_commands(draft_id or draft_id_for(path), imported.title, symbol, imported)
    draft = create_draft(storage, commands, actor, now or now_utc())
    labels = tuple(draft.paragraphs[p].label for p in draft.order)
    return Imported(draft.id, draft.title, draft.symbol, labels)


def _import_commands(
    draft_id: str, title: str, symbol: str, imported: ImportedDraft
) -> list[cmd.Command]:
    commands: list[cmd.Command] = [cmd.CreateDraft(draft_id, title, symbol)]
    for i, paragraph in enumerate(imported.paragraphs, start=1):
        label = None if paragraph.kind == ParagraphKind.HEADING else paragraph.label
        commands.append(
            cmd.AddParagraph(f"par-{i:02d}", paragraph.kind.value, paragraph.text, label=label)
        )
    return commands
