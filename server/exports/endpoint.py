"""``GET /api/drafts/{draft}/export?format=…[&at=SEQ]``: a draft version as a file.

Readable by every signed-in delegation, observers included, like the draft itself. ``at`` is a
sequence number of the record ("the text as it stood at 16:05" is the last event before 16:05
in ``GET …/events``); without it, the draft as it stands now. Reading and rendering run in a
worker thread: a PDF takes a moment and must not hold up the rooms.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from drafting.errors import ErrorCode
from server.api_request import ApiError, caller
from server.exports import NAMES, UnknownFormat, export_format
from server.rooms import Rooms
from server.storage import Storage
from server.versions import NoSuchPoint, version_at

PATH = "/api/drafts/{draft}/export"
SUMMARY = "The draft as a file: docx, html, pdf, markdown or akn (?format=…&at=SEQ)"


def render(
    storage: Storage, draft_id: str, format_name: str, at: int | None
) -> tuple[bytes, str, str]:
    """The file's bytes, media type and file name; raises `UnknownFormat` / `NoSuchPoint`."""
    chosen = export_format(format_name)
    version = version_at(storage, draft_id, at)
    return chosen.render(version), chosen.media_type, chosen.filename(version)


def _point(request: Request) -> int | None:
    raw = request.query_params.get("at")
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError("invalid", "'at' must be a sequence number of the record", 422) from None


async def export_draft(request: Request) -> Response:
    await caller(request)
    draft_id = request.path_params["draft"]
    format_name = request.query_params.get("format", "")
    at = _point(request)
    rooms: Rooms = request.app.state.rooms
    if await asyncio.to_thread(rooms.storage.get_draft, draft_id) is None:
        raise ApiError(ErrorCode.UNKNOWN_DRAFT.value, f"no draft {draft_id!r}", 404)
    try:
        body, media_type, filename = await asyncio.to_thread(
            render, rooms.storage, draft_id, format_name, at
        )
    except UnknownFormat as error:
        raise ApiError("invalid", str(error), 422) from None
    except NoSuchPoint as error:
        raise ApiError("unknown_point", str(error), 404) from None
    disposition = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def openapi_operation(operation: dict[str, Any]) -> dict[str, Any]:
    """The generic GET operation, with the query parameters and file responses of exports."""
    operation["parameters"] = [
        *operation["parameters"],
        {
            "name": "format",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "enum": list(NAMES)},
        },
        {"name": "at", "in": "query", "required": False, "schema": {"type": "integer"}},
    ]
    operation["responses"]["200"] = {
        "description": "the file (Content-Disposition names it)",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "text/html",
                "application/pdf",
                "text/markdown",
                "application/akn+xml",
            )
        },
    }
    return operation
