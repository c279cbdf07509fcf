"""The procedure API (DESIGN §8): JSON over HTTP, one route per command of the core.

Each route names the command it builds from the path and the JSON body; the core decides, the
room stores and broadcasts. Errors are ``{"error": {"code", "message", …}}`` with the status
from `server.failures`. The OpenAPI schema is generated from the same table.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from drafting import commands as cmd
from drafting.delegation import Delegation
from drafting.errors import DraftingError, ErrorCode
from drafting.record import Recorded
from server.auth import COOKIE, authenticate, token_from
from server.drafts import load_record
from server.failures import http_status
from server.room import utcnow
from server.rooms import Rooms, UnknownDraft
from server.views import draft_view, event_view

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024

Body = dict[str, Any]
Builder = Callable[[Body, dict[str, str], Delegation], cmd.Command]


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        self.status = status or http_status(code)


def error_response(code: str, message: str, status: int, **details: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **details}}, status)


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


def text(body: Body, key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError("invalid", f"'{key}' must be a non-empty string", 422)
    return value


def optional(body: Body, key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ApiError("invalid", f"'{key}' must be a string", 422)
    return value


def deadline(body: Body) -> datetime:
    if "hours" in body or "minutes" in body or "seconds" in body:
        try:
            span = timedelta(
                hours=float(body.get("hours", 0)),
                minutes=float(body.get("minutes", 0)),
                seconds=float(body.get("seconds", 0)),
            )
        except (TypeError, ValueError):
            raise ApiError("invalid", "hours/minutes/seconds must be numbers", 422) from None
        return utcnow() + span
    try:
        parsed = datetime.fromisoformat(text(body, "deadline"))
    except ValueError:
        raise ApiError("invalid", "'deadline' must be an ISO 8601 time", 422) from None
    if parsed.tzinfo is None:
        raise ApiError("invalid", "'deadline' needs a time zone (e.g. Z)", 422)
    return parsed


def take_up(body: Body, params: dict[str, str]) -> cmd.TakeUpContribution:
    """A new paragraph (the default, after ``after``) or an amendment to ``paragraph``."""
    kind = body.get("kind") or "new_paragraph"
    paragraph = new_id("p") if kind == "new_paragraph" else text(body, "paragraph")
    return cmd.TakeUpContribution(
        params["contribution"],
        new_id("a"),
        paragraph,
        kind,
        optional(body, "after"),
        text(body, "inserted", required=False),
        text(body, "deleted", required=False),
    )


@dataclass(frozen=True)
class Action:
    """A POST/DELETE route that runs one command of the core."""

    method: str
    path: str
    summary: str
    build: Builder
    body: dict[str, str] = field(default_factory=dict)  # field → JSON type, for the schema
    answer: Callable[[tuple[Recorded, ...]], Body] = lambda recorded: {}


def _first(recorded: tuple[Recorded, ...], attribute: str) -> Body:
    for item in recorded:
        if hasattr(item.event, attribute):
            return {"id": getattr(item.event, attribute)}
    return {}


ACTIONS: tuple[Action, ...] = (
    Action(
        "POST",
        "/paragraphs",
        "Add a paragraph (Chair, secretariat)",
        lambda b, p, a: cmd.AddParagraph(
            new_id("p"),
            text(b, "kind"),
            text(b, "text"),
            optional(b, "after"),
            optional(b, "label"),
        ),
        {"kind": "string", "text": "string", "after": "string", "label": "string"},
        lambda r: _first(r, "paragraph"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/propose-after",
        "Propose a new paragraph after this one",
        lambda b, p, a: cmd.ProposeParagraph(
            new_id("a"),
            new_id("p"),
            b.get("kind") or "operative",
            text(b, "text"),
            after=p["paragraph"],
        ),
        {"text": "string", "kind": "string"},
        lambda r: _first(r, "amendment"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/alternative",
        "Propose an alternative wording (OPnalt)",
        lambda b, p, a: cmd.ProposeParagraph(
            new_id("a"),
            new_id("p"),
            b.get("kind") or "operative",
            text(b, "text"),
            alternative_to=p["paragraph"],
        ),
        {"text": "string", "kind": "string"},
        lambda r: _first(r, "amendment"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/propose-deletion",
        "Propose deleting the paragraph",
        lambda b, p, a: cmd.ProposeParagraphDeletion(new_id("a"), p["paragraph"]),
        answer=lambda r: _first(r, "amendment"),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/reopen",
        "Reopen an agreed paragraph (Chair)",
        lambda b, p, a: cmd.Reopen(p["paragraph"]),
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/ad-referendum",
        "Agree ad referendum, pending named delegations (Chair)",
        lambda b, p, a: cmd.AgreeAdReferendum(p["paragraph"], tuple(b.get("pending") or ())),
        {"pending": "array"},
    ),
    Action(
        "POST",
        "/paragraphs/{paragraph}/confirm",
        "Confirm an ad referendum agreement",
        lambda b, p, a: cmd.ConfirmAdReferendum(p["paragraph"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/support",
        "Support (co-sponsor) an amendment",
        lambda b, p, a: cmd.SupportAmendment(p["amendment"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/unsupport",
        "Withdraw support",
        lambda b, p, a: cmd.WithdrawSupport(p["amendment"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/withdraw",
        "Withdraw one's own amendment",
        lambda b, p, a: cmd.WithdrawAmendment(p["amendment"]),
    ),
    Action(
        "POST",
        "/amendments/{amendment}/reject",
        "Reject an amendment (Chair)",
        lambda b, p, a: cmd.RejectAmendment(p["amendment"]),
    ),
    Action(
        "POST",
        "/objections",
        "Object to a paragraph or an amendment",
        lambda b, p, a: cmd.Object(
            new_id("o"), text(b, "target"), text(b, "reason", required=False)
        ),
        {"target": "string", "reason": "string"},
        lambda r: _first(r, "objection"),
    ),
    Action(
        "DELETE",
        "/objections/{objection}",
        "Withdraw one's objection",
        lambda b, p, a: cmd.WithdrawObjection(p["objection"]),
    ),
    Action(
        "POST",
        "/reservations",
        "Enter a reservation (explanation of position)",
        lambda b, p, a: cmd.Reserve(new_id("r"), b.get("target") or "draft", text(b, "text")),
        {"target": "string", "text": "string"},
        lambda r: _first(r, "reservation"),
    ),
    Action(
        "POST",
        "/silence",
        "Start a silence procedure until a deadline (Chair)",
        lambda b, p, a: cmd.StartSilence(b.get("target") or "draft", deadline(b)),
        {
            "target": "string",
            "deadline": "string",
            "hours": "number",
            "minutes": "number",
            "seconds": "number",
        },
    ),
    Action(
        "POST",
        "/adopt",
        "Adopt the draft (Chair; every paragraph agreed)",
        lambda b, p, a: cmd.Adopt(),
    ),
    Action(
        "POST",
        "/contributions",
        "Submit a written contribution (anyone, observers too)",
        lambda b, p, a: cmd.SubmitContribution(
            new_id("c"), text(b, "text"), optional(b, "paragraph")
        ),
        {"text": "string", "paragraph": "string"},
        lambda r: _first(r, "contribution"),
    ),
    Action(
        "POST",
        "/contributions/{contribution}/take-up",
        "Turn a contribution into a proposal (Chair, secretariat)",
        lambda b, p, a: take_up(b, p),
        {
            "kind": "string",
            "after": "string",
            "paragraph": "string",
            "inserted": "string",
            "deleted": "string",
        },
        lambda r: _first(r, "amendment"),
    ),
    Action("POST", "/speakers", "Ask for the floor", lambda b, p, a: cmd.AskForFloor()),
    Action(
        "DELETE",
        "/speakers",
        "Withdraw a request for the floor",
        lambda b, p, a: cmd.WithdrawFloorRequest(),
    ),
    Action(
        "POST",
        "/speakers/next",
        "Give the floor (Chair, secretariat)",
        lambda b, p, a: cmd.GiveFloor(
            optional(b, "delegation"), timedelta(seconds=float(b.get("seconds", 120)))
        ),
        {"delegation": "string", "seconds": "number"},
    ),
    Action(
        "POST",
        "/speakers/end",
        "End the current intervention",
        lambda b, p, a: cmd.EndIntervention(),
    ),
)


async def caller(request: Request) -> Delegation:
    token = token_from(request.query_params, request.headers, request.cookies)
    delegation = await authenticate(request.app.state.rooms.storage, token)
    if delegation is None:
        raise ApiError("unauthenticated", "sign in: unknown, revoked or expired token", 401)
    return delegation


async def json_body(request: Request) -> Body:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError("too_large", f"request body over {MAX_BODY_BYTES} bytes", 413)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError("bad_request", "the body is not valid JSON", 400) from None
    if not isinstance(body, dict):
        raise ApiError("bad_request", "the body must be a JSON object", 400)
    return body


def guarded(
    handler: Callable[[Request], Awaitable[JSONResponse]],
) -> Callable[[Request], Awaitable[JSONResponse]]:
    """Turn every refusal into the documented JSON error, and log it."""

    async def endpoint(request: Request) -> JSONResponse:
        try:
            return await handler(request)
        except ApiError as error:
            log.info("%s %s refused: %s", request.method, request.url.path, error.code)
            return error_response(error.code, error.message, error.status)
        except DraftingError as error:
            log.info("%s %s refused: %s", request.method, request.url.path, error.code.value)
            return error_response(
                error.code.value, error.message, http_status(error.code), **error.details
            )
        except UnknownDraft as error:
            return error_response("unknown_draft", f"no draft {error}", 404)

    return endpoint


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
    room = await rooms.get(request.path_params["draft"])
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
    (PREFIX, "A draft: paragraphs with compilation and clean text, amendments", get_draft),
    (PREFIX + "/events", "The record (?after=N)", events),
)


def routes() -> list[Route]:
    table = [Route(path, guarded(handler), methods=["GET"]) for path, _, handler in READS]
    table.append(Route("/api/session", guarded(open_session), methods=["POST"]))
    table.append(Route("/api/session", guarded(close_session), methods=["DELETE"]))
    table.append(Route(PREFIX + "/consensus", guarded(consensus), methods=["POST"]))
    table.append(
        Route(PREFIX + "/paragraphs/{paragraph}/rewrite", guarded(rewrite), methods=["POST"])
    )
    table += [Route(PREFIX + a.path, action_endpoint(a), methods=[a.method]) for a in ACTIONS]
    return table
