"""``POST /api/drafts/import``: a file in the request body becomes a new draft (Chair, secretariat).

The body is the file itself (``Content-Type`` the file's media type); the query names it:
``filename`` (its extension picks the format; a ZIP body is read as .docx), ``id``, ``title``,
``symbol``, ``delegation`` (who proposes untagged brackets; default the Chair) and
``unknown_authors=delegation`` (attribute Word authors that are no delegation to it rather than
refusing). 201 with the new draft; 413 over 50 MB; 422 for a file that cannot be read; 409 when
the id is taken. A refused import creates nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from server.api_request import ApiError, caller
from server.imports.drafts import (
    DOCX_MEDIA_TYPE,
    MAX_IMPORT_BYTES,
    TooLarge,
    UnreadableFile,
    import_draft,
    read_document,
)
from server.room import utcnow
from server.rooms import Rooms

PATH = "/api/drafts/import"
SUMMARY = "Create a draft from a .docx, Markdown or text file (Chair, secretariat)"
UNKNOWN_AUTHORS = ("refuse", "delegation")


async def _body(request: Request) -> bytes:
    """The request body, refused (413) as soon as it passes the import limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise ApiError("too_large", str(TooLarge(int(declared))), 413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise ApiError("too_large", str(TooLarge(size)), 413)
        chunks.append(chunk)
    return b"".join(chunks)


async def import_endpoint(request: Request) -> JSONResponse:
    actor = await caller(request)
    if not actor.presides:
        raise ApiError("forbidden", "only the Chair or the secretariat import drafts", 403)
    query = request.query_params
    unknown = query.get("unknown_authors", "refuse")
    if unknown not in UNKNOWN_AUTHORS:
        raise ApiError("invalid", "'unknown_authors' is 'refuse' or 'delegation'", 422)
    data = await _body(request)
    try:
        imported = await asyncio.to_thread(
            read_document, data, query.get("filename", ""), request.headers.get("content-type", "")
        )
    except UnreadableFile as error:
        raise ApiError("unreadable_file", str(error), 422) from None
    if query.get("title", "").strip():
        imported = dataclasses.replace(imported, title=query["title"].strip())
    rooms: Rooms = request.app.state.rooms
    done = await asyncio.to_thread(
        import_draft,
        rooms.storage,
        imported,
        actor,
        utcnow(),
        draft_id=query.get("id") or None,
        symbol=query.get("symbol"),
        proposer=query.get("delegation") or None,
        unknown_to_default=unknown == "delegation",
    )
    return JSONResponse(
        {
            "draft": done.draft,
            "title": done.title,
            "symbol": done.symbol,
            "labels": list(done.labels),
            "amendments": done.amendments,
        },
        201,
    )


def openapi_operation(operation: dict[str, Any]) -> dict[str, Any]:
    """The generic operation, with the import's query parameters, file body and statuses."""
    names = ("filename", "id", "title", "symbol", "delegation")
    operation["parameters"] = [
        *(
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
            for n in names
        ),
        {
            "name": "unknown_authors",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(UNKNOWN_AUTHORS)},
        },
    ]
    operation["requestBody"] = {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in (DOCX_MEDIA_TYPE, "text/markdown", "text/plain")
        },
    }
    responses = operation["responses"]
    responses["201"] = responses.pop("200")
    responses["201"]["description"] = "the draft was created"
    responses["413"] = {**responses["422"], "description": "the file is over 50 MB"}
    return operation
