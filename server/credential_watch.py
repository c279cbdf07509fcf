"""Live connections and the tokens behind them: revoked or expired tokens lose their connections
within a second (4401), and one token holds a bounded number of connections at once."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from server.connection import Connection
from server.failures import CloseCode
from server.storage import Storage

log = logging.getLogger(__name__)


class CredentialWatch:
    def __init__(self, storage: Storage, *, interval: float = 0.5, per_token: int = 8) -> None:
        self.storage = storage
        self.interval = interval
        self.per_token = per_token
        self._digests: dict[Connection, str] = {}
        self._counts: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def admit(self, conn: Connection, digest: str) -> bool:
        """Track a connection; False when its token already holds ``per_token`` connections."""
        if self._counts[digest] >= self.per_token:
            return False
        self._digests[conn] = digest
        self._counts[digest] += 1
        return True

    def release(self, conn: Connection) -> None:
        digest = self._digests.pop(conn, None)
        if digest is not None:
            self._counts[digest] -= 1
            if self._counts[digest] <= 0:
                del self._counts[digest]

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # storage briefly unavailable: try again next round
                log.exception("could not check live credentials")

    async def check(self) -> None:
        """Close every connection whose token no longer signs anyone in."""
        if not self._counts:
            return
        invalid = await asyncio.to_thread(self.storage.invalid_digests, list(self._counts))
        for conn, digest in list(self._digests.items()):
            if digest in invalid:
                log.info("closing %r: its token was revoked or expired", conn)
                conn.close(CloseCode.UNAUTHENTICATED, "token revoked or expired")
