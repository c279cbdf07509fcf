"""Where refusals become HTTP statuses and websocket close codes — in one place (STYLE §3)."""

from __future__ import annotations

from enum import IntEnum

from drafting.errors import ErrorCode


class CloseCode(IntEnum):
    """Websocket close codes (DESIGN §8), each sent with a human-readable reason."""

    NORMAL = 1000
    GOING_AWAY = 1001
    TRY_AGAIN_LATER = 1013  # the client fell too far behind; reconnect
    MALFORMED = 4400
    UNAUTHENTICATED = 4401
    FORBIDDEN = 4403
    NO_SUCH_DRAFT = 4404
    TOO_LARGE = 4413
    TOO_MANY = 4429  # too many connections for one token, or messages too fast


HTTP_STATUS: dict[str, int] = {
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.UNKNOWN_DRAFT: 404,
    ErrorCode.UNKNOWN_PARAGRAPH: 404,
    ErrorCode.UNKNOWN_AMENDMENT: 404,
    ErrorCode.UNKNOWN_OBJECTION: 404,
    ErrorCode.UNKNOWN_CONTRIBUTION: 404,
    ErrorCode.UNKNOWN_DELEGATION: 404,
    ErrorCode.INVALID: 422,
    ErrorCode.DUPLICATE_ID: 409,
    ErrorCode.DRAFT_EXISTS: 409,
    "unauthenticated": 401,
    "not_found": 404,
    "bad_request": 400,
    "too_large": 413,
    "conflict": 409,
}


def http_status(code: str) -> int:
    """The status for an error code; every refusal of the rules is a 409 Conflict by default."""
    return HTTP_STATUS.get(code, 409)
