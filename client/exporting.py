"""``rollingtext export``: a draft version written to a file, read straight from the database.

The steps (replay the record, render, write) show as a progress bar on stderr while they run —
a PDF or a long record takes a moment — and the bar disappears when done.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from client.seeding import SeedingError, open_storage
from server.exports import UnknownFormat, export_format
from server.versions import NoSuchPoint, version_at


class ExportFailed(SeedingError):
    """An export that cannot be made as asked (unknown format, draft or point of the record)."""


@dataclass(frozen=True)
class Exported:
    path: Path | None  # None: written to stdout
    size: int
    seq: int
    format: str


def export(
    database_url: str,
    draft_id: str,
    format_name: str,
    at: int | None = None,
    out: str | None = None,
    *,
    progress: bool = True,
) -> Exported:
    try:
        chosen = export_format(format_name)
    except UnknownFormat as error:
        raise ExportFailed(str(error)) from None
    console = Console(stderr=True)
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not progress or not console.is_terminal,
        ) as bar,
        open_storage(database_url) as storage,
    ):
        task = bar.add_task("reading the record", total=3)
        try:
            version = version_at(storage, draft_id, at)
        except NoSuchPoint as error:
            raise ExportFailed(str(error)) from None
        bar.update(task, advance=1, description=f"rendering {chosen.name}")
        body = chosen.render(version)
        bar.update(task, advance=1, description="writing")
        path = None if out == "-" else Path(out or chosen.filename(version))
        if path is None:
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            path.write_bytes(body)
        bar.update(task, advance=1)
    return Exported(path, len(body), version.seq, chosen.name)
