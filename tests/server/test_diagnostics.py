"""SIGUSR1 (and a procedure holding its draft's lock too long) log what every task waits on."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from server.diagnostics import install_stack_dump


async def stuck_somewhere_recognisable(never: asyncio.Event) -> None:
    await never.wait()


async def test_sigusr1_logs_the_stack_of_every_waiting_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    never = asyncio.Event()
    task = asyncio.create_task(stuck_somewhere_recognisable(never), name="the-stuck-one")
    install_stack_dump()
    dumped = asyncio.Event()

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("stack dump"):
                dumped.set()

    seen = Seen()
    logging.getLogger("server.diagnostics").addHandler(seen)
    try:
        with caplog.at_level(logging.WARNING, logger="server.diagnostics"):
            os.kill(os.getpid(), signal.SIGUSR1)
            await asyncio.wait_for(dumped.wait(), 10)
    finally:
        logging.getLogger("server.diagnostics").removeHandler(seen)
        asyncio.get_running_loop().remove_signal_handler(signal.SIGUSR1)
        task.cancel()
    dump = "\n".join(r.getMessage() for r in caplog.records)
    assert "the-stuck-one" in dump
    assert "stuck_somewhere_recognisable" in dump and "never.wait()" in dump
