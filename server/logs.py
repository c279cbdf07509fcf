"""Logging set-up: readable lines, and no token ever written (URLs carry ``?token=``).

uvicorn's access log and its websocket lines print the request path with its query string;
`RedactTokens` rewrites any token in a record (message and arguments) before it is formatted.
"""

from __future__ import annotations

import json
import logging
import os
import re

_TOKEN = re.compile(
    r"((?:^|[?&;\s/\"'])(?:token|access_token)=|Bearer\s+|rollingtext\.token\.)[^&\s\"',]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Rewrites tokens in a record's message and arguments before it is formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            items = record.args.items()
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in items}
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def json_wanted() -> bool:
    return os.environ.get("LOG_FORMAT", "text").lower() == "json"


def install() -> None:
    """Redact tokens on the root and uvicorn loggers; INFO for the server's own modules."""
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
        for handler in logger.handlers:
            if not any(isinstance(f, RedactTokens) for f in handler.filters):
                handler.addFilter(RedactTokens())
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        if json_wanted():
            for handler in root.handlers:
                handler.setFormatter(JsonFormatter())
        for handler in root.handlers:
            handler.addFilter(RedactTokens())
    logging.getLogger("server").setLevel(logging.INFO)
