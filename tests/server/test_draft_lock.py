"""A draft's procedural lock across processes (PostgreSQL advisory locks, for real).

Two `Storage` objects on one schema stand for two server processes on one database."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest

from server.rooms import acquire
from server.storage import Storage
from server.storage.draft_lock import DraftLock
from tests.conftest import libpq_url, postgres_schema

PATIENCE = 10.0


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    with postgres_schema(postgres_server, "locks") as url:
        yield url


def open_storage(url: str) -> Storage:
    storage = Storage.open(url)
    storage.migrate()
    return storage


def waiting_for_advisory_locks(server_url: str) -> int:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()
    assert row is not None
    return int(row[0])


def until(condition: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        assert time.monotonic() < deadline, f"still not {condition} after {PATIENCE}s"
        time.sleep(0.02)


def acquire_in_thread(lock: DraftLock) -> threading.Thread:
    thread = threading.Thread(target=lock.acquire, daemon=True)
    thread.start()
    return thread


def test_a_second_process_waits_until_the_first_gives_the_lock_back(
    postgres_server: str, database_url: str
) -> None:
    first, second = open_storage(database_url), open_storage(database_url)
    try:
        mine = first.draft_lock("d-1")
        mine.acquire()
        theirs = second.draft_lock("d-1")
        waiting = acquire_in_thread(theirs)
        until("waiting", lambda: waiting_for_advisory_locks(postgres_server) >= 1)
        assert waiting.is_alive() and not theirs.held

        mine.release()
        waiting.join(PATIENCE)
        assert not waiting.is_alive() and theirs.held
        theirs.release()
        # Another draft's lock is another lock.
        other = second.draft_lock("d-2")
        mine = first.draft_lock("d-1")
        mine.acquire()
        other.acquire()
        mine.release()
        other.release()
    finally:
        first.close()
        second.close()


def test_two_installations_in_one_database_never_share_a_draft_lock(
    postgres_server: str,
) -> None:
    with (
        postgres_schema(postgres_server, "locks_a") as url_a,
        postgres_schema(postgres_server, "locks_b") as url_b,
    ):
        a, b = open_storage(url_a), open_storage(url_b)
        try:
            lock_a, lock_b = a.draft_lock("demo"), b.draft_lock("demo")
            lock_a.acquire()
            taking = acquire_in_thread(lock_b)
            taking.join(PATIENCE)
            assert not taking.is_alive() and lock_b.held, "the other installation's lock waited"
            lock_a.release()
            lock_b.release()
        finally:
            a.close()
            b.close()


async def test_a_cancelled_wait_gives_the_lock_back_once_it_is_granted(
    postgres_server: str, database_url: str
) -> None:
    """A request cancelled while waiting for the lock: the thread still takes it later, and
    must give it back, or every later action on the draft waits for ever."""
    first, second = open_storage(database_url), open_storage(database_url)
    try:
        holder = first.draft_lock("d-1")
        holder.acquire()
        cancelled = second.draft_lock("d-1")
        task = asyncio.create_task(acquire(cancelled))
        deadline = time.monotonic() + PATIENCE
        while waiting_for_advisory_locks(postgres_server) < 1:
            assert time.monotonic() < deadline, "the second acquire never waited"
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        holder.release()  # the cancelled wait is granted now, and gives the lock back
        later = first.draft_lock("d-1")
        taking = asyncio.get_running_loop().run_in_executor(None, later.acquire)
        await asyncio.wait_for(taking, PATIENCE)
        assert later.held and not cancelled.held
        later.release()
    finally:
        first.close()
        second.close()
