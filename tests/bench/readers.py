"""Reader worker processes: the load generator's reading clients spread over N processes.

Why: in the fan-out scenario every keystroke reaches 1,500 sockets at once, and one event loop
receives, applies (pycrdt) and marks those 1,500 frames one after the other: the last reader's
latency included that queue. Here the main process keeps the writers and the ledger of send
times; each worker process opens its share of the readers on its own event loop, each reader
as in one process (a FrameReader by default, or with `--readers docs` a Client with its own
Doc).

Each worker keeps a replica of the ledger. Before a writer sends a keystroke the main process
announces it (update bytes, end clock, send time) on every worker's pipe, so a worker's clients
mark deliveries exactly as in one process (load.py: the exact bytes → a dict lookup; an update
the server re-encoded or merged → the writers' clock ranges in its bytes). A frame cannot
overtake its announcement: the announcement is in the pipe before the keystroke is on the
writer's socket, and a worker reads whatever waits on its pipe before it marks a delivery. Send
and delivery times are both ``time.perf_counter()``, CLOCK_MONOTONIC on Linux: one clock for
every process of the machine (checked when a worker starts: its clock reading must fall between
the main process's readings before and after asking for it).

At the end each worker sends back its latencies, its missing count, its fast/slow marker
counts, its event-loop lag p99, its clients' troubles and a digest of each reader's paragraph
texts (for convergence). The main process reads each worker's CPU from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import multiprocessing
import select
import time
from array import array
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tests.bench.frame_reader import FrameReader
from tests.bench.load import Client, Ledger, LoopLag, Receiver, open_all

REPLY_TIMEOUT = 300.0  # a worker that says nothing for this long is stuck: stopped


def texts_digest(client: Client) -> str | None:
    """A reader's paragraph texts, digested (None: the client was not there at the end)."""
    if client.closed_with is not None or not client.synced.is_set():
        return None
    return hashlib.sha256(json.dumps(client.paragraph_texts()).encode()).hexdigest()


def lag_p99_ms(lags: array[float]) -> float | None:
    if not lags:
        return None
    data = sorted(lags)
    return round(float(data[min(len(data) - 1, int(0.99 * len(data)))]) * 1000, 2)


# -- the main process's side ----------------------------------------------------------------------


class AnnouncingLedger(Ledger):
    """The main process's ledger: every writer and keystroke is announced to the workers too."""

    def __init__(self, pipes: list[Connection]) -> None:
        super().__init__()
        self.pipes = pipes

    def writer(self, client_id: int, draft: int) -> int:
        index = super().writer(client_id, draft)
        for pipe in self.pipes:
            pipe.send(("writer", client_id, draft))
        return index

    def sent(self, writer: int, update: bytes, clock_end: int, at: float) -> None:
        super().sent(writer, update, clock_end, at)
        for pipe in self.pipes:  # before the keystroke goes to the socket: see the docstring
            pipe.send(("sent", writer, update, clock_end, at))


class ReaderPool:
    """N worker processes holding the reading clients; the main process's handle on them."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.commands: list[Connection] = []
        self.replies: list[Connection] = []
        self.processes: list[BaseProcess] = []
        for n in range(processes):
            command_out, command_in = context.Pipe(duplex=False)
            reply_out, reply_in = context.Pipe(duplex=False)
            process = context.Process(
                target=worker_main, args=(command_out, reply_in), name=f"bench-readers-{n}"
            )
            process.daemon = True
            process.start()
            command_out.close()  # the worker's ends: a dead worker is an EOF here
            reply_in.close()
            self.commands.append(command_in)
            self.replies.append(reply_out)
            self.processes.append(process)
        self.ledger = AnnouncingLedger(self.commands)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def __len__(self) -> int:
        return len(self.processes)

    async def _ask(self, n: int, message: tuple[Any, ...], timeout: float) -> Any:
        self.commands[n].send(message)
        try:
            return await asyncio.wait_for(asyncio.to_thread(self.replies[n].recv), timeout)
        except (TimeoutError, EOFError, OSError) as error:
            self.processes[n].kill()  # its pipe closes: the waiting thread ends too
            raise RuntimeError(f"reader worker {n}: {message[0]}: {error!r}") from error

    async def ask_all(self, message: tuple[Any, ...], timeout: float = REPLY_TIMEOUT) -> list[Any]:
        return list(
            await asyncio.gather(*(self._ask(n, message, timeout) for n in range(len(self))))
        )

    async def check_clock(self) -> None:
        """Every worker's perf_counter reads the main process's clock (CLOCK_MONOTONIC)."""
        for n in range(len(self)):
            before = time.perf_counter()
            theirs = await self._ask(n, ("clock",), REPLY_TIMEOUT)
            after = time.perf_counter()
            if not before <= theirs <= after:
                raise RuntimeError(
                    f"reader worker {n}: perf_counter {theirs} not within [{before}, {after}]:"
                    " not one clock across processes, latencies would be wrong"
                )

    async def open(
        self, shares: list[list[tuple[str, int]]], parallel: int, timeout: float, kind: str
    ) -> list[str]:
        """Each worker opens and syncs its share of readers (url, draft) as ``kind`` readers
        (frames: FrameReader, docs: Client); the failures."""
        replies = await asyncio.gather(
            *(
                self._ask(n, ("open", share, parallel, timeout, kind), timeout * 2 + 60)
                for n, share in enumerate(shares)
            )
        )
        return [failure for reply in replies for failure in reply]

    async def missing(self) -> int:
        return sum(await self.ask_all(("missing",)))

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.ask_all(("close",), 30)
        for pipe in self.commands:
            pipe.close()
        for process in self.processes:
            await asyncio.to_thread(process.join, 10)
            if process.is_alive():
                process.kill()
                await asyncio.to_thread(process.join, 5)
        for pipe in self.replies:
            pipe.close()


# -- a worker process -----------------------------------------------------------------------------


class ReplicaLedger(Ledger):
    """A worker's ledger: the writers and keystrokes as announced; reads its pipe before it
    marks a delivery from bytes it does not know yet, so every keystroke a frame carries is
    known by then. (Known bytes — a keystroke's own, or a broadcast another reader of this
    process already decoded after reading the pipe — carry nothing unannounced.)"""

    def __init__(self, inbox: Callable[[], None]) -> None:
        super().__init__()
        self.inbox = inbox

    def received(self, reader: Receiver, update: bytes, at: float) -> None:
        if update not in self.by_update and update not in self.ranges:
            self.inbox()
        super().received(reader, update, at)


class Worker:
    def __init__(self, commands: Connection, replies: Connection) -> None:
        self.commands = commands
        self.replies = replies
        self.ledger = ReplicaLedger(self.inbox)
        self.clients: list[Receiver] = []
        self.lag = LoopLag()
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        # Connection.poll() builds a selector per call (~30 µs): one poll object instead
        # (a Connection reads whole messages, never ahead: the fd is readable iff one waits)
        self.poller = select.poll()
        self.poller.register(commands.fileno(), select.POLLIN)

    def inbox(self) -> None:
        try:
            while self.poller.poll(0):
                self.handle(self.commands.recv())
        except (EOFError, OSError):  # the main process is gone
            self.done.set()

    def handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "sent":
            _, writer, update, clock_end, at = message
            self.ledger.sent(writer, update, clock_end, at)
        elif kind == "writer":
            self.ledger.writer(message[1], message[2])
        elif kind == "clock":
            self.replies.send(time.perf_counter())
        elif kind == "missing":
            self.replies.send(self.ledger.missing(self.clients))
        elif kind == "start":
            self.lag.start()
            self.replies.send(None)
        elif kind == "stop":
            self.lag.stop()
            self.replies.send(self.report())
        else:
            task = asyncio.get_running_loop().create_task(self.command(message))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def command(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "open":
            _, share, parallel, timeout, kind = message
            make = FrameReader if kind == "frames" else Client
            self.clients = [make(url, draft, self.ledger) for url, draft in share]
            failures = await open_all(self.clients, parallel, timeout)
            # as in the main process: the clients live through the window, out of full passes
            gc.collect()
            gc.freeze()
            self.replies.send(failures)
        elif kind == "close":
            await asyncio.gather(*(c.close() for c in self.clients))
            self.replies.send(None)
            self.done.set()

    def report(self) -> dict[str, Any]:
        return {
            "latencies": self.ledger.latencies.tobytes(),
            "missing": self.ledger.missing(self.clients),
            "fast": self.ledger.fast,
            "slow": self.ledger.slow,
            "lag_p99_ms": lag_p99_ms(self.lag.lags),
            "rejected": sum(len(c.rejected) for c in self.clients),
            "closed": [c.closed_with for c in self.clients if c.closed_with is not None],
            "client_errors": sum(1 for c in self.clients if c.errors),
            "errors": [e for c in self.clients for e in c.errors][:3],
            "states": [(c.draft, texts_digest(c)) for c in self.clients],
        }

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.commands.fileno(), self.inbox)
        await self.done.wait()
        loop.remove_reader(self.commands.fileno())


def worker_main(commands: Connection, replies: Connection) -> None:
    """A reader worker process: serves the main process's commands until it says close."""

    async def serve() -> None:
        await Worker(commands, replies).serve()

    asyncio.run(serve())
