"""Settings from the environment (DESIGN §7): read once at start-up, passed down explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///var/rollingtext.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None  # the bus between server processes (scale-out)
    host: str = "127.0.0.1"
    port: int = 8000
    max_message_bytes: int = 1024 * 1024  # larger frames close with 4413
    send_queue_frames: int = 2000  # a client this far behind is disconnected
    send_queue_bytes: int = 16 * 1024 * 1024  # …or this many bytes behind
    idle_unload_seconds: float = 30.0  # a room without connections unloads after this
    compact_every_updates: int = 500  # snapshot + delete the log tail every N updates
    commit_batch_max: int = 256  # updates committed together at most (group commit)
    web_root: str | None = None  # the built browser client, served at /
    durable: bool = True  # commit before broadcast; DURABILITY=off only for benchmarks
    connections_per_token: int = 8  # more close with 4429
    messages_per_second: float = 200.0  # sustained rate per connection; more close with 4429
    message_burst: int = 2000  # how far above the rate a connection may burst
    catch_up_seconds: float = 2.0  # with a bus: how often rooms check storage for missed work

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL", defaults.database_url),
            redis_url=env.get("REDIS_URL") or None,
            host=env.get("HOST", defaults.host),
            port=int(env.get("PORT", defaults.port)),
            max_message_bytes=int(env.get("MAX_MESSAGE_BYTES", defaults.max_message_bytes)),
            send_queue_frames=int(env.get("SEND_QUEUE_FRAMES", defaults.send_queue_frames)),
            send_queue_bytes=int(env.get("SEND_QUEUE_BYTES", defaults.send_queue_bytes)),
            idle_unload_seconds=float(env.get("IDLE_UNLOAD_SECONDS", defaults.idle_unload_seconds)),
            compact_every_updates=int(
                env.get("COMPACT_EVERY_UPDATES", defaults.compact_every_updates)
            ),
            web_root=env.get("WEB_ROOT") or None,
            durable=env.get("DURABILITY", "on").lower() not in ("off", "0", "false", "no"),
            connections_per_token=int(
                env.get("CONNECTIONS_PER_TOKEN", defaults.connections_per_token)
            ),
            messages_per_second=float(env.get("MESSAGES_PER_SECOND", defaults.messages_per_second)),
            message_burst=int(env.get("MESSAGE_BURST", defaults.message_burst)),
            catch_up_seconds=float(env.get("CATCH_UP_SECONDS", defaults.catch_up_seconds)),
        )
