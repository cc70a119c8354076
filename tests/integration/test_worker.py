"""The projection worker: backfill, exactly-once batches, a crash in the middle, two workers, readiness."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from domain.ids import key_identifier
from projections.analytics.projector import ANALYTICS_PROJECTION, AnalyticsProjector, AnalyticsTables
from projections.projection import ASYNC, Projection
from projections.registry import async_projections, projection
from projections.runners.rebuild import verify
from projections.runners.worker import ProjectionWorker
from projections.storage.positions import forget_position, read_position
from projections.storage.sqlite import SQLiteDatabase
from projections.store import MessageStore, NewMessage
from tests.support.keys import TEST_MASTER_KEY

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-beta")}
ANALYTICS = projection(ANALYTICS_PROJECTION)


def text(value: str) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}])


def populate(store: MessageStore, threads: int = 4, messages: int = 5) -> None:
    """Threads of two tenants with messages, edits and deletions, written concurrently (batched)."""
    futures = []
    created = []
    for i in range(threads):
        actor = (ALPHA, BETA)[i % 2]
        thread_id = store.create_thread(actor, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
        created.append((actor, thread_id))
        futures += [store.create_message(actor, thread_id, text(f"m{j}")) for j in range(messages)]
    for future in futures:
        future.result(30)
    store.delete_thread(*created[0]).result(30)


def position(store: MessageStore, name: str = ANALYTICS_PROJECTION) -> int:
    with store.database.read() as curs:
        return read_position(curs, store.database.dialect, name) or 0


def head(store: MessageStore) -> int:
    return int(store.app.recorder.max_notification_id() or 0)


def eventually(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


def daily(store: MessageStore, tables: AnalyticsTables | None = None) -> list[dict[str, Any]]:
    tables = tables or AnalyticsTables(store.database.dialect)
    with store.database.read() as curs:
        curs.execute(f"SELECT * FROM {tables.daily} ORDER BY tenant, day")
        return [dict(row) for row in curs.fetchall()]


def test_a_new_projection_backfills_from_the_start_of_the_log(fresh: MessageStore) -> None:
    populate(fresh)
    # A projection the store never had: its first run starts at the beginning of the log.
    added = Projection(
        "analytics_added", ASYNC, tables=lambda d, s: AnalyticsTables(d, "_added" + s), projector=AnalyticsProjector
    )
    with fresh.database.transaction() as curs:
        added.generation(fresh.database.dialect).create(curs)
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal, [added, ANALYTICS], batch=7)
    applied = worker.catch_up()
    assert applied == 2 * head(fresh)  # every event, by each projection, once
    assert position(fresh, "analytics_added") == head(fresh)
    assert daily(fresh, AnalyticsTables(fresh.database.dialect, "_added")) == daily(fresh)
    assert verify(fresh.database, fresh.app, added) == []
    assert worker.catch_up() == 0  # nothing left: nothing applied twice


def test_an_inline_projection_that_never_ran_is_backfilled_when_the_store_opens(fresh: MessageStore) -> None:
    populate(fresh)
    url = fresh.database.url
    live = fresh.tables
    with fresh.database.transaction() as curs:
        curs.execute(f"DELETE FROM {live.messages}")
        forget_position(curs, fresh.database.dialect, "messages")
    reopened = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        assert position(reopened, "messages") == head(reopened)
        assert verify(reopened.database, reopened.app, projection("messages")) == []
    finally:
        reopened.close()


def test_readiness_fails_while_a_projection_the_api_serves_is_far_behind(fresh: MessageStore) -> None:
    populate(fresh, threads=2, messages=2)
    report = fresh.readiness(max_async_lag=0)
    served_async = [p.name for p in async_projections() if p.serves_api]  # analytics among them
    assert report["ready"] is False and report["behind"] == served_async and ANALYTICS_PROJECTION in served_async
    assert fresh.readiness()["ready"] is True  # within the default allowance
    ProjectionWorker(fresh.database, fresh.app, fresh.signal).catch_up()
    assert fresh.readiness(max_async_lag=0)["ready"] is True


def test_two_workers_one_works_the_other_stands_by_and_takes_over(fresh: MessageStore) -> None:
    workers = [ProjectionWorker(fresh.database, fresh.app, fresh.signal, batch=5) for _ in range(2)]
    stops = [threading.Event() for _ in workers]
    threads = [threading.Thread(target=w.run, args=(s,), daemon=True) for w, s in zip(workers, stops, strict=True)]
    for t in threads:
        t.start()
    try:
        eventually(lambda: sorted(w.state for w in workers) == ["running", "standby"], "one running, one standby")
        populate(fresh)
        eventually(lambda: position(fresh) == head(fresh), "the active worker catches up")
        active = next(i for i, w in enumerate(workers) if w.state == "running")
        standby = 1 - active
        assert workers[standby].applied()[ANALYTICS_PROJECTION] == 0
        assert workers[active].applied()[ANALYTICS_PROJECTION] == head(fresh)
        stops[active].set()
        fresh.signal.notify()
        threads[active].join(timeout=30)
        eventually(lambda: workers[standby].state == "running", "the standby takes over")
        populate(fresh, threads=2)
        eventually(lambda: position(fresh) == head(fresh), "the new active worker catches up")
        total = sum(w.applied()[ANALYTICS_PROJECTION] for w in workers)
        assert total == head(fresh)  # no event applied by both
        assert verify(fresh.database, fresh.app, ANALYTICS) == []
    finally:
        for s in stops:
            s.set()
        fresh.signal.notify()
        for t in threads:
            t.join(timeout=30)


def start_worker_process(store: MessageStore, batch: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, MSGSTORE_DATABASE_URL=store.database.url)
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "worker", "--batch-size", str(batch)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_in_the_middle_of_a_batch_resumes_without_skipping_or_repeating(
    fresh: MessageStore, backend: str
) -> None:
    populate(fresh, threads=6, messages=20)
    target = head(fresh)
    daily_table = AnalyticsTables(fresh.database.dialect).daily
    if backend == "postgres":
        # Hold a lock on a table the batch writes: the worker stops inside its transaction, mid-batch.
        blocker = psycopg.connect(fresh.database.url, autocommit=False)
        blocker.execute(f"LOCK TABLE {daily_table} IN ACCESS EXCLUSIVE MODE")
        process = start_worker_process(fresh, batch=25)

        def waiting() -> bool:
            with psycopg.connect(fresh.database.url, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    (f"INSERT INTO {daily_table} %",),
                ).fetchone()
            return bool(row and row[0])

        eventually(waiting, "the worker blocked in the middle of its first batch")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        blocker.rollback()
        blocker.close()
        assert position(fresh) == 0  # the half-done batch left nothing behind
    else:
        # SQLite commits atomically whatever instant the process dies; hold the write lock once the
        # worker has made progress, so that it is killed in the middle of its run.
        process = start_worker_process(fresh, batch=1)
        eventually(lambda: position(fresh) > 0, "the worker started")
        assert isinstance(fresh.database, SQLiteDatabase)
        writer_lock = sqlite3.connect(fresh.database.path, isolation_level=None, timeout=30)
        writer_lock.execute("BEGIN IMMEDIATE")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        writer_lock.rollback()
        writer_lock.close()
    # A new worker resumes where the last committed batch ended.
    resumed = ProjectionWorker(fresh.database, fresh.app, fresh.signal, batch=25)
    resumed.catch_up()
    assert position(fresh) == target
    assert verify(fresh.database, fresh.app, ANALYTICS) == []  # equal to a from-scratch build
    created = sum(row["messages_created"] for row in daily(fresh))
    assert created == 6 * 20  # each event counted once


def test_the_worker_repairs_an_inline_projection_that_missed_events(
    fresh: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.thread import Thread
    from projections.runners import inline_repair

    populate(fresh, threads=2, messages=2)
    # An event recorded without the inline projections, as a process of an older version would.
    fresh.app.save(
        Thread(thread_id="thread_" + "x" * 24, tenant="alpha", metadata={}, tool_resources=None, actor=ALPHA)
    )
    assert position(fresh, "messages") < head(fresh)
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal)
    assert worker.repair_inline() == 0  # within the grace period: the writer may still be at it
    monkeypatch.setattr(inline_repair, "INLINE_GRACE", 0.0)
    assert worker.repair_inline() == 2  # the event, once per inline projection (the history is async)
    for name in ("messages", "conversation_items"):
        assert position(fresh, name) == head(fresh)
        assert verify(fresh.database, fresh.app, projection(name)) == []
    assert fresh.thread("alpha", "thread_" + "x" * 24)["id"] == "thread_" + "x" * 24
