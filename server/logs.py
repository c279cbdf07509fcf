"""Logging set-up: readable lines, and no token ever written (URLs carry ``?token=``)."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(token=|Bearer\s+|rollingtext\.token\.)[^&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Rewrites any record that would print a token (uvicorn logs request URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Redact tokens on every handler of the root and uvicorn loggers; INFO for our modules."""
    guard = RedactTokens()
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "server", "client"):
        logger = logging.getLogger(name)
        if guard not in logger.filters and not any(
            isinstance(f, RedactTokens) for f in logger.filters
        ):
            logger.addFilter(RedactTokens())
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("server").setLevel(logging.INFO)
