"""Running the server: uvicorn with the app factory, and logs that never show a token.

uvicorn's access log and its websocket lines print the request path *with* its query string,
and sign-in links and websocket URLs carry ``?token=…``. `server.logs.RedactTokens` is
installed on uvicorn's handlers so that every such value is printed as ``token=[redacted]``.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from client import webbuild
from server import logs
from server.settings import Settings

APP_FACTORY = "server.app:create_app"
WS_LIMIT_FACTOR = 4  # uvicorn's hard frame limit, well above the app's own (it closes with 4413)


def log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with `RedactTokens` on every handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "server.logs.RedactTokens"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_tokens")
    if logs.json_wanted():
        for formatter in config["formatters"].values():
            formatter.clear()
            formatter["()"] = "server.logs.JsonFormatter"
    return config


def default_web_root() -> None:
    """Point ``WEB_ROOT`` at the built browser client when it is unset and the build exists."""
    index = webbuild.WEB_DIR / "dist" / "index.html"
    if not os.environ.get("WEB_ROOT") and index.is_file():
        os.environ["WEB_ROOT"] = str(index.parent)


class NeedsABus(ValueError):
    """Several worker processes need ``REDIS_URL`` to hear each other."""


def serve(
    settings: Settings, host: str | None = None, port: int | None = None, workers: int = 1
) -> None:
    """Run the app (``server.app:create_app`` as a factory) until interrupted.

    ``workers`` > 1 runs that many processes on one socket (uvicorn's supervisor); any of them
    may serve any draft, so they need the Redis bus, and a database they can all reach.
    """
    if workers > 1 and not settings.redis_url:
        raise NeedsABus(
            f"--workers {workers} needs REDIS_URL: processes serving the same draft exchange "
            "updates and presence through Redis (and PostgreSQL is the database to share)"
        )
    default_web_root()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host or settings.host,
        port=settings.port if port is None else port,
        ws="websockets-sansio",
        ws_max_size=WS_LIMIT_FACTOR * settings.max_message_bytes,
        # No permessage-deflate (as the Node reference server): compressing would cost CPU per
        # client and frame, and a broadcast could no longer be framed once for everyone.
        ws_per_message_deflate=False,
        log_level="info",
        log_config=log_config(),
        workers=workers,
    )
