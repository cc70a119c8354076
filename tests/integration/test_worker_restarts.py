"""The worker against a real PostgreSQL that stops and starts again: in a thread, and as `msgstore worker`."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.ids import key_identifier
from projections.analytics.projector import ANALYTICS_PROJECTION
from projections.registry import projection
from projections.runners.heartbeat import RUNNING
from projections.runners.rebuild import verify
from projections.runners.status import projection_status
from projections.runners.worker import ProjectionWorker
from projections.storage.positions import read_position
from projections.store import MessageStore
from tests.support import waiting
from tests.support.keys import TEST_MASTER_KEY
from tests.support.private_postgres import PrivatePostgres
from tests.support.threads import write_thread

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
seconds_until = partial(waiting.seconds_until, timeout=30)  # every wait here gives up after 30 s
RESUMES_WITHIN = 10.0  # seconds from the restart: the longest backoff (5 s) and a stale connection or two


def write(store: MessageStore, messages: int, within: float = 30) -> None:
    """A thread with ``messages`` messages; a write refused while the database comes back is tried again."""
    deadline = time.monotonic() + within
    while True:
        try:
            write_thread(store, ALPHA, messages)
            return
        except Exception:  # how writes fare during an outage is not this test's subject
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def position(store: MessageStore) -> int:
    with store.database.read() as curs:
        return read_position(curs, store.database.dialect, ANALYTICS_PROJECTION) or 0


def head(store: MessageStore) -> int:
    return int(store.app.recorder.max_notification_id() or 0)


def events(lines: list[str], name: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    return [p for p in parsed if p.get("event") == name]


@pytest.fixture
def store(private_postgres: PrivatePostgres) -> Iterator[MessageStore]:
    """A store on a database of its own on the private cluster."""
    opened = MessageStore.open(private_postgres.create_database(), master_key=TEST_MASTER_KEY)
    yield opened
    opened.close()


@contextmanager
def worker_thread(store: MessageStore) -> Iterator[tuple[ProjectionWorker, threading.Thread]]:
    store.follow_other_processes()
    worker = ProjectionWorker(store.database, store.app, store.signal)
    stopping = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stopping,), daemon=True)
    thread.start()
    try:
        yield worker, thread
    finally:
        stopping.set()
        store.signal.notify()
        thread.join(timeout=30)


def test_the_in_process_worker_survives_a_short_outage(
    store: MessageStore, private_postgres: PrivatePostgres, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="msgstore.worker")
    with worker_thread(store) as (worker, thread):
        write(store, 5)
        seconds_until(lambda: position(store) == head(store), "the worker catches up")
        private_postgres.outage(1.5)
        restarted = time.monotonic()
        resumed = seconds_until(lambda: not worker.outage.ongoing, "the worker resumes")
        write(store, 5)
        applied = seconds_until(lambda: position(store) == head(store), "the worker applies what came after")
        assert thread.is_alive() and worker.state == RUNNING
        print(f"1.5 s outage: resumed {resumed:.2f} s after the restart, applied new events in {applied:.2f} s")
        assert time.monotonic() - restarted < RESUMES_WITHIN + 5
    lines = [r.getMessage() for r in caplog.records if r.name == "msgstore.worker"]
    # At most one line as the outage began and one as it ended: a worker waiting for a pooled connection all
    # through a short outage sees no error at all (and finds its lock gone at its next heartbeat).
    assert len(events(lines, "worker_retrying")) == len(events(lines, "worker_recovered")) <= 1
    assert len(events(lines, "worker_lock_lost")) <= 1
    assert resumed < RESUMES_WITHIN
    assert verify(store.database, store.app, projection(ANALYTICS_PROJECTION)) == []


def test_the_worker_command_survives_a_five_second_outage(
    store: MessageStore, private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    log_path = tmp_path / "worker.log"
    env = dict(os.environ, MSGSTORE_DATABASE_URL=store.database.url, MSGSTORE_LOG_LEVEL="info")
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "api.cli.main", "worker"], env=env, stderr=log)
    try:
        seconds_until(lambda: "worker_running" in log_path.read_text(), "the worker starts")
        write(store, 5)
        seconds_until(lambda: position(store) == head(store), "the worker catches up")
        private_postgres.outage(5.0, mode="immediate")  # as if the server crashed
        write(store, 5)
        caught_up = seconds_until(lambda: position(store) == head(store), "the worker catches up after the outage")
        assert process.poll() is None, log_path.read_text()
        # Seen from this process: the other one's heartbeat.
        (analytics,) = [s for s in projection_status(store.database, store.app) if s.name == ANALYTICS_PROJECTION]
        assert analytics.runner == RUNNING and analytics.lag_events == 0 and analytics.last_error is None
        print(f"5 s outage: the worker command applied events written after the restart in {caught_up:.2f} s")
        assert caught_up < RESUMES_WITHIN
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    lines = log_path.read_text().splitlines()
    # One line as the outage began, one as it ended (none if it waited for a pooled connection all through).
    assert len(events(lines, "worker_retrying")) == len(events(lines, "worker_recovered")) <= 1
    assert all(r["outage_seconds"] > 0 and r["attempts"] >= 1 for r in events(lines, "worker_recovered"))


def test_a_worker_whose_lock_connection_was_cut_takes_the_lock_again(
    store: MessageStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="msgstore.worker")
    url = store.database.url

    def holders() -> list[int]:
        with psycopg.connect(url, autocommit=True) as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE application_name = 'msgstore-lock-projection-worker'"
            return [row[0] for row in conn.execute(query).fetchall()]

    with worker_thread(store) as (worker, _):
        seconds_until(lambda: worker.state == RUNNING and len(holders()) == 1, "the worker holds the lock")
        (first,) = holders()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (first,))
        seconds_until(lambda: holders() not in ([], [first]), "the lock taken again")
        write(store, 3)
        seconds_until(lambda: position(store) == head(store), "the worker goes on")
        assert worker.state == RUNNING
    lines = [r.getMessage() for r in caplog.records if r.name == "msgstore.worker"]
    assert len(events(lines, "worker_lock_lost")) == 1
