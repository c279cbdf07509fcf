"""A real Node ``yjs`` + ``y-websocket`` client, driven from a test.

``tests/live/node/yclient.mjs`` joins a draft with an unmodified `WebsocketProvider` and obeys
JSON commands, one a line; this wrapper runs it as a subprocess and answers each command with its
JSON reply, within a deadline. Indices sent to it are UTF-16 code units (`utf16`).

Needs ``node`` and ``tests/live/node/node_modules`` (``rollingtext setup --for-tests`` runs
``npm ci`` there); without them the test is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"
DRIVER = NODE_DIR / "yclient.mjs"
ANSWER_TIMEOUT = 15.0
LINE_LIMIT = 16 * 1024 * 1024  # a `paragraphs` answer holds the whole draft


class NodeClientError(RuntimeError):
    """The driver answered a command with an error, or stopped answering."""


def utf16(text: str) -> int:
    """The length of ``text`` in UTF-16 code units: a Yjs index."""
    return len(text.encode("utf-16-le")) // 2


def require_node() -> str:
    """The ``node`` executable; skips the test when it or the npm packages are missing."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Yjs interop tests need Node 18 or later")
    if not (NODE_DIR / "node_modules" / "y-websocket").is_dir():
        pytest.skip(
            f"{NODE_DIR / 'node_modules'} is missing: run `rollingtext setup --for-tests` "
            f"(or `npm ci` in {NODE_DIR})"
        )
    return node


class NodeClient:
    """One Node process holding one Y.Doc connected to one draft as one delegation."""

    def __init__(self, process: asyncio.subprocess.Process, name: str) -> None:
        self.process = process
        self.name = name
        self.log: list[str] = []  # the driver's stderr, kept for failure messages
        self._lock = asyncio.Lock()
        self._lost: str | None = None  # why answers can no longer be matched to commands
        self._log_reader = asyncio.get_running_loop().create_task(self._read_log())

    @classmethod
    async def start(cls, base_url: str, draft_id: str, token: str, name: str) -> NodeClient:
        """Start the driver and wait until its provider has synced the draft."""
        server_url = "ws" + base_url.removeprefix("http").rstrip("/") + "/drafts"
        process = await asyncio.create_subprocess_exec(
            require_node(),
            str(DRIVER),
            server_url,
            draft_id,
            token,
            cwd=NODE_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        client = cls(process, name)
        try:
            await client.call("wait_synced")
        except BaseException:
            await client.close()
            raise
        return client

    async def call(self, op: str, timeout: float = ANSWER_TIMEOUT, **args: Any) -> Any:
        """Send one command; its JSON answer (raises `NodeClientError` on an error answer)."""
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        if self._lost is not None:
            raise NodeClientError(f"{self.name}: out of step since {self._lost}")
        command = {"op": op, **args}
        async with self._lock:
            process.stdin.write(json.dumps(command, ensure_ascii=False).encode() + b"\n")
            await process.stdin.drain()
            try:
                line = await asyncio.wait_for(process.stdout.readline(), timeout)
            except TimeoutError:
                # a late answer would be taken for the next command's: stop talking to it
                self._lost = f"{op} got no answer in {timeout}s"
                raise NodeClientError(f"{self.name}: {self._lost}; log: {self.log}") from None
        if not line:
            await asyncio.wait_for(self._log_reader, 5)
            log = "\n".join(self.log) or "(nothing on stderr)"
            raise NodeClientError(f"{self.name}: the driver exited during {op}: {log}")
        answer = json.loads(line)
        if isinstance(answer, dict) and "error" in answer:
            raise NodeClientError(f"{self.name}: {op} failed: {answer['error']}")
        return answer

    # -- the commands the tests use ------------------------------------------------------------

    async def paragraphs(self) -> list[dict[str, Any]]:
        return list((await self.call("paragraphs"))["paragraphs"])

    async def amendments(self) -> dict[str, Any]:
        return dict((await self.call("amendments"))["amendments"])

    async def text(self, paragraph: str) -> str:
        return str((await self.call("text", paragraph=paragraph))["text"])

    async def delta(self, paragraph: str) -> list[dict[str, Any]]:
        return list((await self.call("text", paragraph=paragraph))["delta"])

    async def insert(
        self, paragraph: str, index: int, text: str, attributes: dict[str, Any]
    ) -> str:
        """Insert at a UTF-16 ``index``, with explicit ``attributes``; the local text after."""
        answer = await self.call(
            "insert", paragraph=paragraph, index=index, text=text, attributes=attributes
        )
        return str(answer["text"])

    async def delete(self, paragraph: str, index: int, length: int) -> str:
        """Delete ``length`` UTF-16 units at ``index``; the local text after."""
        answer = await self.call("delete", paragraph=paragraph, index=index, length=length)
        return str(answer["text"])

    async def format(
        self, paragraph: str, index: int, length: int, attributes: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Set (or, with None, remove) attributes on a UTF-16 range; the local delta after."""
        answer = await self.call(
            "format", paragraph=paragraph, index=index, length=length, attributes=attributes
        )
        return list(answer["delta"])

    async def wait_text(
        self,
        paragraph: str,
        *,
        equals: str | None = None,
        contains: str | None = None,
        timeout: float = 10.0,
    ) -> str:
        """Wait (on Y.Text events, in the driver) until the paragraph's text matches."""
        condition = {"equals": equals} if equals is not None else {"contains": contains}
        answer = await self.call(
            "wait_text",
            timeout=timeout + ANSWER_TIMEOUT,
            paragraph=paragraph,
            timeout_ms=int(timeout * 1000),
            **condition,
        )
        return str(answer["text"])

    async def wait_notice(
        self, *, code: str | None = None, kind: str | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        condition = {k: v for k, v in {"code": code, "type": kind}.items() if v is not None}
        answer = await self.call(
            "wait_notice",
            timeout=timeout + ANSWER_TIMEOUT,
            timeout_ms=int(timeout * 1000),
            **condition,
        )
        return dict(answer["notice"])

    async def notices(self) -> list[dict[str, Any]]:
        return list((await self.call("notices"))["notices"])

    # -- ending ----------------------------------------------------------------------------------

    async def close(self) -> None:
        """Ask the driver to leave; kill it if it does not within a few seconds."""
        process = self.process
        if process.returncode is None:
            with contextlib.suppress(NodeClientError, ConnectionError, OSError):
                await self.call("close", timeout=5)
            if process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        await self._log_reader

    async def _read_log(self) -> None:
        """Drain the driver's stderr so that it never blocks on a full pipe."""
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.log.append(line.decode(errors="replace").rstrip())
