"""History and redlines of a draft: ``GET /api/drafts/{d}/history`` and ``…/redline``.

The history lists the versions worth comparing: the original draft (as created or imported)
and the text after each settling event (`drafting.history`). A redline compares the clean text
of two versions paragraph by paragraph (`drafting.redline`: word-level, semantic cleanup) —
typically the original against the adopted text — as JSON, or as an HTML page with ``<ins>`` and
``<del>`` (``format=html``). Readable by every signed-in delegation, observers included.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from drafting.brackets import clean
from drafting.errors import ErrorCode
from drafting.history import milestones
from drafting.redline import ChangeKind, ParagraphChange, ParagraphRedline, redline_paragraphs
from server.api_request import ApiError, caller
from server.drafts import to_recorded
from server.rooms import Rooms
from server.storage import Storage
from server.versions import DraftVersion, NoSuchPoint, version_at

HISTORY_PATH = "/api/drafts/{draft}/history"
HISTORY_SUMMARY = "Versions: the original draft and the text after each consensus or adoption"
REDLINE_PATH = "/api/drafts/{draft}/redline"
REDLINE_SUMMARY = "What changed between two versions (?from=SEQ&to=SEQ&format=json|html)"


def original_seq(storage: Storage, draft_id: str, last: int) -> int:
    """The first event whose text was kept: the end of the draft's creation (or import)."""
    low, high = 1, last
    while low < high:
        middle = (low + high) // 2
        if storage.version_at(draft_id, middle) is None:
            low = middle + 1
        else:
            high = middle
    return low


def history_view(storage: Storage, draft_id: str) -> dict[str, Any]:
    record = [to_recorded(e) for e in storage.events(draft_id)]
    if not record:
        raise ApiError(ErrorCode.UNKNOWN_DRAFT.value, f"no draft {draft_id!r}", 404)
    first = original_seq(storage, draft_id, record[-1].seq)
    versions: list[dict[str, Any]] = [
        {
            "seq": first,
            "at": record[first - 1].at.isoformat(),
            "actor": record[0].actor,
            "type": "original",
            "paragraph": None,
            "label": None,
            "summary": "the draft as it was created",
        }
    ]
    versions += [
        {
            "seq": m.seq,
            "at": m.at.isoformat(),
            "actor": m.actor,
            "type": m.type,
            "paragraph": m.paragraph,
            "label": m.label,
            "summary": m.summary,
        }
        for m in milestones(record)
    ]
    return {"draft": draft_id, "last": record[-1].seq, "versions": versions}


@dataclass(frozen=True)
class Redline:
    older: DraftVersion
    newer: DraftVersion
    paragraphs: tuple[ParagraphRedline, ...]

    def label(self, paragraph: str) -> str:
        for version in (self.newer, self.older):
            if paragraph in version.draft.paragraphs:
                return version.draft.paragraphs[paragraph].label
        return ""


def _texts(version: DraftVersion) -> list[tuple[str, str]]:
    """The clean text of each paragraph that is part of the text (not a pending proposal)."""
    return [
        (p.id, clean(version.runs.get(p.id, ())))
        for p in version.draft.ordered()
        if p.proposal is None
    ]


def redline_between(
    storage: Storage, draft_id: str, older: int | None, newer: int | None
) -> Redline:
    """From event ``older`` (None or before the first kept text: the original) to ``newer``
    (None: as the draft stands now); raises `NoSuchPoint`."""
    last = storage.last_seq(draft_id)
    if last == 0:
        raise NoSuchPoint(f"no draft {draft_id!r}")
    first = original_seq(storage, draft_id, last)
    start = version_at(storage, draft_id, max(older or first, first))
    end = version_at(storage, draft_id, newer if newer is None else max(newer, first))
    return Redline(start, end, redline_paragraphs(_texts(start), _texts(end)))


def redline_json(found: Redline) -> dict[str, Any]:
    return {
        "draft": found.newer.draft.id,
        "from": {"seq": found.older.seq, "at": found.older.at.isoformat()},
        "to": {"seq": found.newer.seq, "at": found.newer.at.isoformat()},
        "paragraphs": [
            {
                "id": p.id,
                "label": found.label(p.id),
                "status": p.status.value,
                "runs": [{"op": c.kind.value, "text": c.text} for c in p.changes],
            }
            for p in found.paragraphs
        ],
    }


_TAGS = {ChangeKind.INSERT: "ins", ChangeKind.DELETE: "del"}
_STYLE = """body{font:16px/1.5 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em}
ins{color:#05610f;background:#e6f4e6;text-decoration:underline}
del{color:#9b1c1c;background:#fbeaea;text-decoration:line-through}
.label{font-weight:bold;margin-right:.6em}.removed{opacity:.75}
.meta{color:#555}.unchanged .text{color:#333}"""


def redline_html(found: Redline) -> str:
    draft = found.newer.draft
    title = html.escape(f"Redline — {draft.symbol or draft.title}")
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(draft.title)}</h1>",
        f'<p class="meta">{html.escape(draft.symbol)} — from event {found.older.seq} '
        f"({found.older.at:%d %B %Y, %H:%M} UTC) to event {found.newer.seq} "
        f"({found.newer.at:%d %B %Y, %H:%M} UTC)</p>",
    ]
    for paragraph in found.paragraphs:
        body = "".join(
            f"<{_TAGS[c.kind]}>{html.escape(c.text)}</{_TAGS[c.kind]}>"
            if c.kind in _TAGS
            else html.escape(c.text)
            for c in paragraph.changes
        )
        label = html.escape(found.label(paragraph.id))
        status = paragraph.status.value
        lines.append(
            f'<p class="paragraph {status}" id="{html.escape(paragraph.id)}">'
            f'<span class="label">{label}</span><span class="text">{body}</span></p>'
        )
    changed = sum(p.status != ParagraphChange.UNCHANGED for p in found.paragraphs)
    lines += [f'<p class="meta">{changed} of {len(found.paragraphs)} paragraphs changed.</p>']
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


def _seq(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ApiError("invalid", f"'{name}' must be a sequence number of the record", 422)
    return int(raw)


async def history(request: Request) -> JSONResponse:
    await caller(request)
    rooms: Rooms = request.app.state.rooms
    view = await asyncio.to_thread(history_view, rooms.storage, request.path_params["draft"])
    return JSONResponse(view)


async def redline(request: Request) -> Response:
    await caller(request)
    draft_id = request.path_params["draft"]
    shape = request.query_params.get("format", "json")
    if shape not in ("json", "html"):
        raise ApiError("invalid", "'format' is json or html", 422)
    older, newer = _seq(request, "from"), _seq(request, "to")
    rooms: Rooms = request.app.state.rooms
    if await asyncio.to_thread(rooms.storage.get_draft, draft_id) is None:
        raise ApiError(ErrorCode.UNKNOWN_DRAFT.value, f"no draft {draft_id!r}", 404)
    try:
        found = await asyncio.to_thread(redline_between, rooms.storage, draft_id, older, newer)
    except NoSuchPoint as error:
        raise ApiError("unknown_point", str(error), 404) from None
    if shape == "html":
        return HTMLResponse(redline_html(found))
    return JSONResponse(redline_json(found))


def redline_openapi(operation: dict[str, Any]) -> dict[str, Any]:
    operation["parameters"] = [
        *operation["parameters"],
        {"name": "from", "in": "query", "required": False, "schema": {"type": "integer"}},
        {"name": "to", "in": "query", "required": False, "schema": {"type": "integer"}},
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["json", "html"]},
        },
    ]
    operation["responses"]["200"]["content"]["text/html"] = {"schema": {"type": "string"}}
    return operation
