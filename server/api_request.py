"""What an API request carries and how a refusal goes back: the caller, the JSON body and its
fields, and the one wrapper that turns every refusal into ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from drafting.delegation import Delegation
from drafting.errors import DraftingError
from server.auth import authenticate, token_from
from server.failures import http_status
from server.room import utcnow
from server.rooms import UnknownDraft
from server.storage import StorageError

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024

Body = dict[str, Any]
R = TypeVar("R", bound=Response)


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
    handler: Callable[[Request], Awaitable[R]],
) -> Callable[[Request], Awaitable[R | JSONResponse]]:
    """Turn every refusal into the documented JSON error, and log it."""

    async def endpoint(request: Request) -> R | JSONResponse:
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
        except StorageError as error:  # e.g. the draft changed in another process: retry
            log.warning("%s %s: storage refused: %s", request.method, request.url.path, error)
            return error_response(error.code, str(error), 503)

    return endpoint
