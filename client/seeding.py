"""Filling a database: the demo working group, one delegation, or a draft imported from a file.

Everything here goes through `server.drafts` and `Storage`, so a seeded draft has its record and
its live document from the first event on, exactly as if the secretariat had typed it.
Tokens are returned once, to be shown once; only their digests are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drafting import demo
from drafting.delegation import Delegation
from drafting.vocabulary import Constituency, Role
from server.drafts import create_draft, delegation_of, register
from server.imports import drafts as imports
from server.imports.docx import UnreadableDocument
from server.imports.drafts import MAX_IMPORT_BYTES, Imported, TooLarge, read_document, slug
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


def read_bytes(path: Path, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The file's bytes, read in chunks (``progress`` told bytes done and total); a file over
    the import limit is refused before it is read."""
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise UnreadableFile(f"{path}: {TooLarge(size)}")
        chunks: list[bytes] = []
        with path.open("rb") as source:
            while chunk := source.read(1 << 20):
                chunks.append(chunk)
                if progress is not None:
                    progress(sum(len(c) for c in chunks), size)
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror or error}") from error


def draft_id_for(path: Path) -> str:
    """A draft id from a file name: ``Draft Report (v2).md`` → ``draft-report-v2``."""
    return slug(path.stem)


@dataclass(frozen=True)
class ImportProgress:
    """Where an import tells how far it got: reading the file (bytes), then running the
    commands that create the draft (steps). Either may be None."""

    reading: Callable[[int, int], None] | None = None
    creating: Callable[[int, int], None] | None = None


def import_draft(
    storage: Storage,
    path: Path,
    *,
    draft_id: str | None = None,
    symbol: str | None = None,
    delegation: str | None = None,
    unknown_authors_to_delegation: bool = False,
    now: datetime | None = None,
    progress: ImportProgress | None = None,
) -> Imported:
    """Create a draft from a .docx, Markdown or plain-text file, as the presiding delegation.

    Brackets without a tag are proposed by ``delegation`` (default: the Chair); Word authors
    that are no delegation are refused unless ``unknown_authors_to_delegation``.
    """
    progress = progress or ImportProgress()
    data = read_bytes(path, progress.reading)
    try:
        imported = read_document(data, path.name)
    except UnreadableDocument as error:
        raise UnreadableFile(f"{path}: {error}") from error
    actor = presiding_delegation(storage)
    return imports.import_draft(
        storage,
        imported,
        actor,
        now or now_utc(),
        draft_id=draft_id or draft_id_for(path),
        symbol=symbol,
        proposer=delegation,
        unknown_to_default=unknown_authors_to_delegation,
        progress=progress.creating,
    )
