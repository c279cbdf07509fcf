"""The server's logs never show a token: uvicorn's handlers carry `RedactTokens`."""

from __future__ import annotations

import io
import json
import logging

import pytest
from uvicorn.logging import AccessFormatter, DefaultFormatter

from client import serving
from server import logs


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("GET /?token=abc-DEF_123 HTTP/1.1", "GET /?token=[redacted] HTTP/1.1"),
        ("/drafts/d1/sync?x=1&token=abc&y=2", "/drafts/d1/sync?x=1&token=[redacted]&y=2"),
        ("/?access_token=abc", "/?access_token=[redacted]"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"),
        ("/drafts/d1/sync?tokens=3", "/drafts/d1/sync?tokens=3"),
    ],
)
def test_redact_hides_token_values(line: str, shown: str) -> None:
    assert logs.redact(line) == shown


def test_every_uvicorn_handler_redacts_tokens() -> None:
    config = serving.log_config()

    assert config["filters"]["redact_tokens"] == {"()": "server.logs.RedactTokens"}
    assert all("redact_tokens" in h["filters"] for h in config["handlers"].values())


def logged_through(formatter: logging.Formatter, msg: str, *args: object) -> str:
    """What a handler with `RedactTokens` and ``formatter`` writes for one record."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(logs.RedactTokens())
    handler.handle(logging.LogRecord("uvicorn", logging.INFO, __file__, 1, msg, args, None))
    return stream.getvalue()


def test_uvicorn_access_lines_are_redacted() -> None:
    line = logged_through(
        AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'),
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5", "GET", "/?token=s3cret", "1.1", 200,
    )  # fmt: skip

    assert line == '127.0.0.1:5 - "GET /?token=[redacted] HTTP/1.1" 200 OK\n'


def test_uvicorn_websocket_lines_are_redacted() -> None:
    line = logged_through(
        DefaultFormatter("%(message)s"),
        '%s - "WebSocket %s" [accepted]',
        "127.0.0.1:6", "/drafts/d/sync?token=s3cret",
    )  # fmt: skip

    assert line == '127.0.0.1:6 - "WebSocket /drafts/d/sync?token=[redacted]" [accepted]\n'


def test_json_log_lines_carry_level_logger_and_a_redacted_message() -> None:
    line = logged_through(logs.JsonFormatter(), "joined %s", "/sync?token=s3cret")
    entry = json.loads(line)
    assert (entry["level"], entry["logger"]) == ("INFO", "uvicorn")
    assert entry["message"] == "joined /sync?token=[redacted]"


def test_log_format_json_switches_every_uvicorn_formatter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = serving.log_config()
    assert {f["()"] for f in config["formatters"].values()} == {"server.logs.JsonFormatter"}
