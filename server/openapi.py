"""The OpenAPI schema, generated from the API's own route table (so it cannot drift)."""

from __future__ import annotations

from typing import Any

from server import api, history
from server.exports import endpoint as exports
from server.imports import endpoint as imports

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "blockers": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["code", "message"],
        }
    },
}


def _operation(summary: str, body: dict[str, str] | None, path: str) -> dict[str, Any]:
    params = [
        {"name": name.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path.split("/")
        if name.startswith("{")
    ]
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": params,
        "security": [{"bearer": []}],
        "responses": {
            "200": {"description": "done", "content": {"application/json": {"schema": {}}}},
            **{
                str(status): {
                    "description": meaning,
                    "content": {"application/json": {"schema": ERROR}},
                }
                for status, meaning in (
                    (400, "malformed request"),
                    (401, "unauthenticated"),
                    (403, "forbidden for the caller's role"),
                    (404, "unknown draft, paragraph or amendment"),
                    (409, "refused by the rules (no_consensus names the blockers)"),
                    (422, "invalid value"),
                )
            },
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {k: {"type": v} for k, v in body.items()},
                    }
                }
            }
        }
    return operation


def schema() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, summary, _ in api.READS:
        paths.setdefault(path, {})["get"] = _operation(summary, None, path)
    paths.setdefault(exports.PATH, {})["get"] = exports.openapi_operation(
        _operation(exports.SUMMARY, None, exports.PATH)
    )
    paths.setdefault(history.HISTORY_PATH, {})["get"] = _operation(
        history.HISTORY_SUMMARY, None, history.HISTORY_PATH
    )
    paths.setdefault(history.REDLINE_PATH, {})["get"] = history.redline_openapi(
        _operation(history.REDLINE_SUMMARY, None, history.REDLINE_PATH)
    )
    paths.setdefault(imports.PATH, {})["post"] = imports.openapi_operation(
        _operation(imports.SUMMARY, None, imports.PATH)
    )
    extra = (
        ("POST", api.PREFIX + "/consensus", "Call consensus (Chair)", {"target": "string"}),
        (
            "POST",
            api.PREFIX + "/paragraphs/{paragraph}/rewrite",
            "Propose by rewriting",
            {"text": "string"},
        ),
    )
    for method, path, summary, body in extra:
        paths.setdefault(path, {})[method.lower()] = _operation(summary, body, path)
    for action in api.ACTIONS:
        path = api.PREFIX + action.path
        paths.setdefault(path, {})[action.method.lower()] = _operation(
            action.summary, action.body or None, path
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rolling Text", "version": "0.1.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
