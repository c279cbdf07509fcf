"""`drafting/` is the functional core: no I/O, no asyncio, no web, no database (DESIGN §7)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "drafting"
FORBIDDEN = {
    "asyncio",
    "starlette",
    "sqlalchemy",
    "alembic",
    "uvicorn",
    "websockets",
    "httpx",
    "socket",
    "pycrdt",
    "redis",
    "psycopg",
    "server",
    "client",
    "os",
    "subprocess",
    "threading",
    "time",
    "urllib",
    "http",
    "sqlite3",
    "requests",
    "random",
    "secrets",
    "uuid",
    "logging",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_nothing_that_does_io(path: Path) -> None:
    assert _imports(path) & FORBIDDEN == set()


def test_core_never_reads_the_clock() -> None:
    for path in CORE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "datetime.now" not in text and "utcnow" not in text, path
