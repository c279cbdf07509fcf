"""``rollingtext draft import``: a file made a draft, with a progress bar on stderr.

Reading the file shows its bytes, creating the draft its paragraphs and amendments (one step per
command of the record); the bar disappears when done and is left out when stderr is no terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from client.seeding import ImportProgress, import_draft
from server.imports.drafts import Imported
from server.storage import Storage

ImportProgressStep = Callable[[int, int], None]


def import_file(
    storage: Storage,
    path: Path,
    *,
    draft_id: str | None = None,
    symbol: str | None = None,
    delegation: str | None = None,
    unknown_authors_to_delegation: bool = False,
    console: Console | None = None,
) -> Imported:
    console = console or Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        reading = bar.add_task(f"reading {path.name}", total=None)
        creating = bar.add_task("creating the draft", total=None, visible=False)

        def advance(task: TaskID, description: str | None = None) -> ImportProgressStep:
            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, visible=True)
                if description is not None and done == total:
                    bar.update(task, description=description)

            return step

        return import_draft(
            storage,
            path,
            draft_id=draft_id,
            symbol=symbol,
            delegation=delegation,
            unknown_authors_to_delegation=unknown_authors_to_delegation,
            progress=ImportProgress(advance(reading), advance(creating, "storing")),
        )
