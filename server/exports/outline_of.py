"""The outline and annex of a `DraftVersion`: the one place exports turn a version into data."""

from __future__ import annotations

from datetime import UTC, datetime

from drafting.annex import Annex, annex
from drafting.outline import Outline, outline
from server.versions import DraftVersion


def outline_of(version: DraftVersion) -> Outline:
    names = {code: d.name for code, d in version.delegations.items()}
    return outline(version.draft, version.runs, names, version.at)


def annex_of(version: DraftVersion) -> Annex:
    return annex(version.draft, version.history, version.delegations)


def when(moment: datetime) -> str:
    """``10 March 2026, 16:05 UTC``: how the exports write a time."""
    return moment.astimezone(UTC).strftime("%d %B %Y, %H:%M UTC").lstrip("0")


def stamp(moment: datetime) -> str:
    """``2026-03-10T16:05:00Z``: a time in XML (OOXML ``w:date``, Akoma Ntoso dates)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
