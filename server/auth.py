"""Who is calling: a token from the query (``?token=``), a bearer header, a cookie, or the
websocket subprotocol (``rollingtext.token.<token>``). Tokens are checked by storage (hashed,
constant-time) and never logged."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from drafting.delegation import Delegation
from server.drafts import delegation_of
from server.storage import Storage

COOKIE = "rt_token"
SUBPROTOCOL_PREFIX = "rollingtext.token."


def token_from(
    query: Mapping[str, str], headers: Mapping[str, str], cookies: Mapping[str, str]
) -> str | None:
    """The caller's token, wherever it came in; None when there is none."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    offered = offered_subprotocol(headers)
    if offered is not None:
        return offered[len(SUBPROTOCOL_PREFIX) :] or None
    return query.get("token") or cookies.get(COOKIE) or None


def offered_subprotocol(headers: Mapping[str, str]) -> str | None:
    """The token subprotocol the client offered: the server must echo it when accepting."""
    for offered in headers.get("sec-websocket-protocol", "").split(","):
        if offered.strip().startswith(SUBPROTOCOL_PREFIX):
            return offered.strip()
    return None


async def authenticate(storage: Storage, token: str | None) -> Delegation | None:
    if not token:
        return None
    record = await asyncio.to_thread(storage.authenticate, token)
    return delegation_of(record) if record is not None else None
