"""An SDK retry sent while its first attempt still waits in the writer gets that attempt's message, not a second one."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.faults.checks import opened, read_log
from tests.faults.processes import Servers
from tests.faults.writers import Ledger, sdk_client

HELD = 4.0  # seconds the event log stays locked: the first attempt times out and a retry is sent meanwhile
SDK_TIMEOUT = 2.0  # the SDK retries twice: a retry sent while the lock is held, answered once it is released


@contextmanager
def event_log_locked(database_url: str) -> Iterator[None]:
    """Hold the event log's write lock for ``HELD`` seconds from another connection, as a long transaction would."""
    if database_url.startswith("sqlite"):
        lite = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
        lite.execute("BEGIN IMMEDIATE")
        release = lite.commit
    else:
        pg = psycopg.connect(database_url)
        pg.execute("LOCK TABLE msgstore_events IN EXCLUSIVE MODE")
        release = pg.commit
    timer = threading.Timer(HELD, release)
    timer.start()
    try:
        yield
    finally:
        timer.join()


def test_a_retry_of_a_create_still_waiting_in_the_writer_is_not_recorded_twice(
    database_url: str, servers: Servers
) -> None:
    server = servers.start(database_url)
    ledger = Ledger()
    with sdk_client(server.base_url) as client:
        thread_id = client.beta.threads.create().id
    write = ledger.begin(f"held for {HELD} s at {time.time()}", thread_id)
    locked = time.monotonic()
    with event_log_locked(database_url), sdk_client(server.base_url, ledger, timeout=SDK_TIMEOUT) as client:
        message = client.beta.threads.messages.create(thread_id, role="user", content=write.content)
    first, retry = write.attempts[:2]
    assert first.status is None and retry.sent < locked + HELD  # the case: a retry while the first attempt waits
    with opened(database_url) as store:
        log = read_log(store)
    assert log.contents[write.content] == 1
    assert log.message_ids[write.content] == message.id
