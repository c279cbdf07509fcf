"""An operator's view into a running process: SIGUSR1 writes every asyncio task's stack and
every thread's stack to the log, to see what a stuck request is waiting on without stopping
the process (`kill -USR1 <pid>`)."""

from __future__ import annotations

import asyncio
import faulthandler
import io
import logging
import signal
import sys

log = logging.getLogger(__name__)


def install_stack_dump() -> None:
    """On SIGUSR1, log the stacks of all tasks of the running loop and of all threads."""
    if sys.platform == "win32":  # pragma: no cover - no SIGUSR1 there
        return
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGUSR1, dump_stacks)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread's loop
        log.debug("no SIGUSR1 stack dump in this loop")


def dump_stacks() -> None:
    tasks = asyncio.all_tasks()
    out = io.StringIO()
    for task in sorted(tasks, key=lambda t: t.get_name()):
        out.write(f"--- task {task.get_name()}: {task.get_coro()!r}\n")
        task.print_stack(file=out)
        waiting = getattr(task, "_fut_waiter", None)
        if waiting is not None:
            out.write(f"    waiting on {waiting!r}\n")
    log.warning("stack dump: %d tasks\n%s", len(tasks), out.getvalue())
    faulthandler.dump_traceback(all_threads=True)
