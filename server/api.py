"""The procedure API (DESIGN §8): JSON over HTTP, one route per command of the core.

Each route names the command it builds from the path and the JSON body (`server.actions`); the
core decides, the room stores and broadcasts. Errors are ``{"error": {"code", "message", …}}``
with the status from `server.failures`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from drafting import commands as cmd
from drafting.errors import ErrorCode
from server import history
from server.actions import ACTIONS, Action
from server.api_request import ApiError, caller, guarded, json_body, text
from server.auth import COOKIE, authenticate
from server.drafts import load_record
from server.exports import endpoint as exports
from server.imports import endpoint as imports
from server.rooms import Rooms
from server.views import draft_view, event_view

__all__ = ["ACTIONS", "PREFIX", "READS", "routes"]


def action_endpoint(action: Action) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def run_action(request: Request) -> JSONResponse:
        actor = await caller(request)
        body = await json_body(request)
        params = dict(request.path_params)
        try:
            command = action.build(body, params, actor)
        except (TypeError, ValueError) as error:
            raise ApiError("invalid", str(error), 422) from None
        rooms: Rooms = request.app.state.rooms
        recorded = await rooms.execute(params["draft"], command, actor)
        answer = {"events": [event_view(r) for r in recorded], **action.answer(recorded)}
        return JSONResponse(answer)

    return guarded(run_action)


async def consensus(request: Request) -> JSONResponse:
    """200 with the outcome, or 409 ``no_consensus`` naming every blocker."""
    actor = await caller(request)
    target = text(await json_body(request), "target")
    rooms: Rooms = request.app.state.rooms
    recorded = await rooms.execute(request.path_params["draft"], cmd.CallConsensus(target), actor)
    outcome = "accepted" if target.startswith("amendment:") else "agreed"
    return JSONResponse({"outcome": outcome, "events": [event_view(r) for r in recorded]})


async def rewrite(request: Request) -> JSONResponse:
    actor = await caller(request)
    new_text = text(await json_body(request), "text", required=False)
    rooms: Rooms = request.app.state.rooms
    async with rooms.procedure(request.path_params["draft"]) as room:
        done = await room.rewrite(request.path_params["paragraph"], new_text, actor)
    amendments = [
        {"id": a.id, "kind": a.kind.value, "deleted": a.deleted, "inserted": a.inserted}
        for a in done.amendments
    ]
    return JSONResponse({"amendments": amendments})


async def me(request: Request) -> JSONResponse:
    actor = await caller(request)
    return JSONResponse(
        {
            "code": actor.code,
            "name": actor.name,
            "role": actor.role.value,
            "constituency": actor.constituency.value,
        }
    )


async def open_session(request: Request) -> JSONResponse:
    """Exchange a sign-in token for an HttpOnly cookie, so the page can drop it from the URL."""
    token = text(await json_body(request), "token")
    actor = await authenticate(request.app.state.rooms.storage, token)
    if actor is None:
        raise ApiError("unauthenticated", "unknown, revoked or expired token", 401)
    response = JSONResponse(
        {
            "code": actor.code,
            "name": actor.name,
            "role": actor.role.value,
            "constituency": actor.constituency.value,
        }
    )
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


async def close_session(request: Request) -> JSONResponse:
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(COOKIE, path="/")
    return response


async def list_drafts(request: Request) -> JSONResponse:
    await caller(request)
    rooms: Rooms = request.app.state.rooms
    drafts = await asyncio.to_thread(rooms.storage.list_drafts)
    return JSONResponse(
        {
            "drafts": [
                {"id": d.id, "title": d.title, "symbol": d.symbol, "state": d.state} for d in drafts
            ]
        }
    )


async def list_delegations(request: Request) -> JSONResponse:
    """The roster: who is in the room, with role and constituency (never their tokens)."""
    await caller(request)
    rooms: Rooms = request.app.state.rooms
    found = await asyncio.to_thread(rooms.storage.list_delegations)
    return JSONResponse(
        {
            "delegations": [
                {"code": d.code, "name": d.name, "role": d.role, "constituency": d.constituency}
                for d in found
            ]
        }
    )


async def get_draft(request: Request) -> JSONResponse:
    await caller(request)
    rooms: Rooms = request.app.state.rooms
    return JSONResponse(draft_view(await rooms.get(request.path_params["draft"])))


async def events(request: Request) -> JSONResponse:
    await caller(request)
    try:
        after = int(request.query_params.get("after", "0"))
    except ValueError:
        raise ApiError("invalid", "'after' must be a whole number", 422) from None
    rooms: Rooms = request.app.state.rooms
    draft, history = await asyncio.to_thread(
        load_record, rooms.storage, request.path_params["draft"]
    )
    if draft is None:
        raise ApiError(ErrorCode.UNKNOWN_DRAFT.value, "no such draft", 404)
    return JSONResponse({"events": [event_view(r) for r in history if r.seq > after]})


PREFIX = "/api/drafts/{draft}"

READS: tuple[tuple[str, str, Callable[[Request], Awaitable[JSONResponse]]], ...] = (
    ("/api/me", "Who the token belongs to", me),
    ("/api/drafts", "Drafts on this server", list_drafts),
    ("/api/delegations", "The delegations: code, name, role, constituency", list_delegations),
    (PREFIX, "A draft: paragraphs with compilation and clean text, amendments", get_draft),
    (PREFIX + "/events", "The record (?after=N)", events),
)


def routes() -> list[Route]:
    table = [Route(path, guarded(handler), methods=["GET"]) for path, _, handler in READS]
    table.append(Route(exports.PATH, guarded(exports.export_draft), methods=["GET"]))
    table.append(Route(history.HISTORY_PATH, guarded(history.history), methods=["GET"]))
    table.append(Route(history.REDLINE_PATH, guarded(history.redline), methods=["GET"]))
    table.append(Route(imports.PATH, guarded(imports.import_endpoint), methods=["POST"]))
    table.append(Route("/api/session", guarded(open_session), methods=["POST"]))
    table.append(Route("/api/session", guarded(close_session), methods=["DELETE"]))
    table.append(Route(PREFIX + "/consensus", guarded(consensus), methods=["POST"]))
    table.append(
        Route(PREFIX + "/paragraphs/{paragraph}/rewrite", guarded(rewrite), methods=["POST"])
    )
    table += [Route(PREFIX + a.path, action_endpoint(a), methods=[a.method]) for a in ACTIONS]
    return table
