"""The bus between server processes: Redis pub/sub, one channel per draft (DESIGN §8, scale-out).

Pub/sub, not Streams: it is the lowest-latency fan-out Redis has, and it needs no trimming or
consumer bookkeeping — because the bus is never the record. Every message says which stored
update came just before it (`BusMessage.previous_update_id`); a process that sees a gap, or
whose Redis connection dropped, reads what it missed from the database (`Room.catch_up`), and a
periodic check catches a lost *last* message. A lost message costs a read, never an update.

With no ``REDIS_URL`` the `LocalBus` does nothing: one process serves every draft.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "rollingtext:{installation}:draft:"
MAGIC = b"RT1"
_HEADER_LENGTH = struct.Struct(">I")

Handler = Callable[["BusMessage"], None]


class MalformedMessage(ValueError):
    pass


@dataclass(frozen=True)
class BusMessage:
    """What one process tells the others about a draft."""

    sender: str  # the publishing process
    kind: str  # "update" (a stored commit round) or "awareness"
    payload: bytes = b""  # the merged Yjs update, or the stamped awareness update
    previous_update_id: int = 0  # the draft's newest stored update before this round
    last_update_id: int = 0  # the newest stored update of this round (0: none)
    events: list[dict[str, Any]] = field(default_factory=list)  # the round's stored events

    def encode(self) -> bytes:
        header = json.dumps(
            {
                "sender": self.sender,
                "kind": self.kind,
                "previous": self.previous_update_id,
                "last": self.last_update_id,
                "events": self.events,
            },
            separators=(",", ":"),
        ).encode()
        return MAGIC + _HEADER_LENGTH.pack(len(header)) + header + self.payload

    @classmethod
    def decode(cls, data: bytes) -> BusMessage:
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _HEADER_LENGTH.size:
            raise MalformedMessage("not a Rolling Text bus message")
        start = len(MAGIC) + _HEADER_LENGTH.size
        (length,) = _HEADER_LENGTH.unpack_from(data, len(MAGIC))
        try:
            header = json.loads(data[start : start + length])
            return cls(
                sender=str(header["sender"]),
                kind=str(header["kind"]),
                payload=bytes(data[start + length :]),
                previous_update_id=int(header["previous"]),
                last_update_id=int(header["last"]),
                events=list(header["events"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedMessage(f"bad bus message header: {error}") from error


class Bus(Protocol):
    process_id: str

    @property
    def shared(self) -> bool:
        """True when other processes may serve the same drafts."""
        ...

    async def start(self) -> None: ...

    async def subscribe(self, draft_id: str, handler: Handler) -> None: ...

    async def unsubscribe(self, draft_id: str) -> None: ...

    def publish(self, draft_id: str, message: BusMessage) -> None: ...

    async def close(self) -> None: ...


class LocalBus:
    """One process: nobody to tell."""

    def __init__(self) -> None:
        self.process_id = uuid.uuid4().hex

    @property
    def shared(self) -> bool:
        return False

    async def start(self) -> None:
        return None

    async def subscribe(self, draft_id: str, handler: Handler) -> None:
        return None

    async def unsubscribe(self, draft_id: str) -> None:
        return None

    def publish(self, draft_id: str, message: BusMessage) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus:
    """Redis pub/sub: one connection listens to the channels of this process's loaded drafts,
    one publishes, in order, from a queue (publishing never blocks a room)."""

    def __init__(self, url: str, installation: str) -> None:
        from redis import asyncio as redis

        self.process_id = uuid.uuid4().hex
        # Channels are named after the database's installation id: processes on one database
        # hear each other; another installation using the same Redis never does.
        self._prefix = CHANNEL_PREFIX.format(installation=installation)
        self._redis = redis.Redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._handlers: dict[str, Handler] = {}
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.reconnected: Callable[[], None] | None = None  # told after a lost connection

    @property
    def shared(self) -> bool:
        return True

    async def start(self) -> None:
        await self._redis.ping()
        # A process channel keeps the listener's connection subscribed (and alive) at all times.
        await self._pubsub.subscribe(f"rollingtext:process:{self.process_id}")
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._listen()), loop.create_task(self._send())]

    async def subscribe(self, draft_id: str, handler: Handler) -> None:
        self._handlers[draft_id] = handler
        await self._pubsub.subscribe(self._prefix + draft_id)

    async def unsubscribe(self, draft_id: str) -> None:
        self._handlers.pop(draft_id, None)
        with contextlib.suppress(Exception):
            await self._pubsub.unsubscribe(self._prefix + draft_id)

    def publish(self, draft_id: str, message: BusMessage) -> None:
        self._outbox.put_nowait((self._prefix + draft_id, message.encode()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        with contextlib.suppress(Exception):
            await self._redis.aclose()

    async def _send(self) -> None:
        while True:
            channel, data = await self._outbox.get()
            while True:
                try:
                    await self._redis.publish(channel, data)
                    break
                except Exception:  # Redis away: the others catch up from the database anyway
                    log.warning("publishing to %s failed; retrying", channel, exc_info=True)
                    await asyncio.sleep(0.2)

    async def _listen(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the Redis bus connection dropped; resubscribing", exc_info=True)
                await asyncio.sleep(0.2)
                if self.reconnected is not None:
                    self.reconnected()  # messages may have been lost: rooms catch up
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"].decode()
            handler = self._handlers.get(channel.removeprefix(self._prefix))
            if handler is None:
                continue
            try:
                decoded = BusMessage.decode(message["data"])
            except MalformedMessage:
                log.warning("ignored a malformed message on %s", channel)
                continue
            if decoded.sender == self.process_id:
                continue
            try:
                handler(decoded)
            except Exception:  # one room's trouble must not stop the bus
                log.exception("handling a bus message on %s failed", channel)


def open_bus(redis_url: str | None, installation: str) -> Bus:
    return RedisBus(redis_url, installation) if redis_url else LocalBus()
