"""Importing a document as a new draft: the file's bytes in, a draft with its record out.

The format comes from the file name or media type (.docx, .md, .txt), or from the bytes (a ZIP
package is a Word document). The presiding delegation that imports creates the draft; pending
amendments are proposed by their sponsors (`drafting.import_plan`). Nothing is stored unless the
whole document reads and every command passes: a bad file creates nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import PurePath

from drafting import commands as cmd
from drafting.delegation import Delegation
from drafting.errors import DraftingError, ErrorCode
from drafting.import_plan import attribute, import_plan
from drafting.importing import ImportedDraft, import_paragraphs, import_text
from drafting.vocabulary import Role
from server.drafts import Acting, create_draft, delegation_of
from server.imports.docx import ZIP_MAGIC, UnreadableDocument, read_docx
from server.storage import Storage

MAX_IMPORT_BYTES = 50 * 1024 * 1024
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class UnreadableFile(UnreadableDocument):
    """A file that cannot be imported as it is; the message says why."""


class TooLarge(UnreadableFile):
    def __init__(self, size: int) -> None:
        super().__init__(f"the file is {size} bytes; imports are limited to {MAX_IMPORT_BYTES}")


class Format(StrEnum):
    DOCX = "docx"
    TEXT = "text"  # plain text or Markdown


@dataclass(frozen=True)
class Imported:
    """What an import created."""

    draft: str
    title: str
    symbol: str
    labels: tuple[str, ...]
    amendments: int


def format_of(name: str, media_type: str, data: bytes) -> Format:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".doc" or media_type.startswith("application/msword"):
        raise UnreadableFile("old binary Word files (.doc) are not supported: save as .docx")
    if suffix == ".docx" or media_type.startswith(DOCX_MEDIA_TYPE) or data.startswith(ZIP_MAGIC):
        return Format.DOCX
    return Format.TEXT


def read_document(data: bytes, name: str = "", media_type: str = "") -> ImportedDraft:
    """The draft a file holds; raises `UnreadableFile` (or a `DraftingError` for brackets that
    do not pair up)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TooLarge(len(data))
    if not data:
        raise UnreadableFile("the file is empty")
    title = PurePath(name).stem or "Untitled draft"
    try:
        if format_of(name, media_type, data) is Format.DOCX:
            imported = import_paragraphs(read_docx(data), default_title=title)
        else:
            imported = import_text(_decoded(data), default_title=title)
    except UnreadableFile:
        raise
    except UnreadableDocument as error:
        raise UnreadableFile(str(error)) from error
    if not imported.paragraphs:
        raise UnreadableFile("the file has no paragraphs to import")
    return imported


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"not UTF-8 text ({error.reason} at byte {error.start}); a Word file must be .docx"
        ) from error


def slug(text: str) -> str:
    """A draft id from a name: ``Draft Report (v2)`` → ``draft-report-v2``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64] or "draft"


def import_draft(
    storage: Storage,
    imported: ImportedDraft,
    creator: Delegation,
    now: datetime,
    *,
    draft_id: str | None = None,
    symbol: str | None = None,
    proposer: str | None = None,
    unknown_to_default: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Imported:
    """Create ``imported`` as a new draft, by ``creator`` (Chair or secretariat).

    Untagged brackets are proposed by ``proposer`` (a delegation code; default: the Chair);
    ``unknown_to_default`` attributes authors that are no delegation to it as well.
    """
    people = [delegation_of(d) for d in storage.list_delegations()]
    default = _proposer(people, creator, proposer)
    who = attribute(imported, people, default, unknown_to_default=unknown_to_default)
    draft_id = draft_id or slug(imported.title)
    if storage.get_draft(draft_id) is not None:
        raise DraftingError(ErrorCode.DRAFT_EXISTS, f"draft {draft_id} already exists")
    plan = import_plan(
        imported, draft_id, imported.symbol if symbol is None else symbol, creator, who
    )
    by_code = {d.code: d for d in people}
    commands: list[cmd.Command | Acting] = [
        s.command if s.actor == creator.code else (by_code[s.actor], s.command) for s in plan.steps
    ]
    draft = create_draft(storage, commands, creator, now, marks=plan.marks, progress=progress)
    labels = tuple(draft.paragraphs[p].label for p in draft.order)
    return Imported(draft.id, draft.title, draft.symbol, labels, plan.amendments)


def _proposer(people: list[Delegation], creator: Delegation, code: str | None) -> Delegation:
    if code is not None:
        found = next((d for d in people if d.code == code), None)
        if found is None:
            raise DraftingError(ErrorCode.INVALID, f"no delegation {code} to attribute brackets to")
        return found
    return next((d for d in people if d.role == Role.CHAIR), creator)
