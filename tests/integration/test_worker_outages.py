"""The projection worker through database failures: it retries, logs each outage once, and resumes where it was."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from domain.ids import key_identifier
from projections.analytics.projector import ANALYTICS_PROJECTION, AnalyticsProjector
from projections.registry import projection
from projections.runners import worker as worker_module
from projections.runners.heartbeat import RETRYING, RUNNING, STALE_SECONDS, STOPPED, worker_statuses
from projections.runners.rebuild import verify
from projections.runners.status import readiness
from projections.runners.worker import ProjectionWorker
from projections.storage import locks
from projections.storage.locks import HeldLock
from projections.storage.positions import read_position
from projections.store import MessageStore
from tests.support.threads import write_thread

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
ANALYTICS = projection(ANALYTICS_PROJECTION)



def caught_up(store: MessageStore) -> bool:
    with store.database.read() as curs:
        position = read_position(curs, store.database.dialect, ANALYTICS_PROJECTION) or 0
    return position == int(store.app.recorder.max_notification_id() or 0)


def eventually(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


def logged(caplog: pytest.LogCaptureFixture, event: str) -> list[dict[str, Any]]:
    """The worker's structured log lines of one kind."""
    found = []
    for record in caplog.records:
        if record.name == "msgstore.worker" and record.getMessage().startswith("{"):
            line = json.loads(record.getMessage())
            if line["event"] == event:
                found.append(line)
    return found


@contextmanager
def running(worker: ProjectionWorker) -> Iterator[threading.Thread]:
    """The worker running in a thread of its own for the block."""
    stopping = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stopping,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stopping.set()
        worker.signal.notify()
        thread.join(timeout=30)


class Unreachable:
    """Makes a worker's database work fail as an unreachable database's would, while ``down`` is set."""

    def __init__(self, backend: str, worker: ProjectionWorker, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.error = psycopg.OperationalError if backend == "postgres" else sqlite3.OperationalError
        take, catch_up = locks.try_lock, worker.catch_up

        def try_lock(*args: Any) -> HeldLock | None:
            self.fail()
            return take(*args)

        def failing_catch_up() -> int:
            self.fail()
            return catch_up()

        monkeypatch.setattr(worker_module, "try_lock", try_lock)
        monkeypatch.setattr(worker, "catch_up", failing_catch_up)

    def fail(self) -> None:
        if self.down:
            raise self.error("connection refused")


def test_the_worker_keeps_running_through_an_outage_and_catches_up_after_it(
    fresh: MessageStore, backend: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="msgstore.worker")
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal, batch=5)
    outage = Unreachable(backend, worker, monkeypatch)
    with running(worker) as thread:
        write_thread(fresh, ALPHA, 5)
        eventually(lambda: caught_up(fresh), "the worker catches up")
        outage.down = True
        eventually(lambda: worker.state == RETRYING, "the worker notices")
        write_thread(fresh, ALPHA, 10)  # recorded meanwhile: the writer does not need the worker
        time.sleep(1.0)
        assert thread.is_alive() and not caught_up(fresh)
        outage.down = False
        eventually(lambda: caught_up(fresh) and not worker.outage.ongoing, "the worker resumes and catches up")
        assert thread.is_alive() and worker.state == RUNNING and worker.last_error is None
    assert len(logged(caplog, "worker_retrying")) == 1
    (recovered,) = logged(caplog, "worker_recovered")
    assert recovered["attempts"] >= 3 and recovered["last_error"] == "OperationalError: connection refused"
    assert verify(fresh.database, fresh.app, ANALYTICS) == []  # every event applied once


def test_a_failing_projector_shows_as_retrying_with_its_error_then_running_again(
    fresh: MessageStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = ProjectionWorker(fresh.database, fresh.app, fresh.signal)
    apply = AnalyticsProjector.apply

    def broken(*_: Any) -> None:
        raise ValueError("a projector's bug")

    monkeypatch.setattr(AnalyticsProjector, "apply", broken)
    with running(worker):
        write_thread(fresh, ALPHA, 2)
        # Recorded where every process reads it: the database answers, only the projector fails.
        eventually(lambda: fresh.readiness()["worker"]["state"] == RETRYING, "the heartbeat says retrying")
        report = fresh.readiness()
        assert report["worker"]["last_error"] == "ValueError: a projector's bug"
        assert report["worker"]["worker"] == worker.worker_id
        with fresh.database.read() as curs:
            (status,) = [s for s in worker_statuses(curs) if s.worker == worker.worker_id]
        assert status.state == RETRYING and status.heartbeat_age < STALE_SECONDS
        monkeypatch.setattr(AnalyticsProjector, "apply", apply)
        eventually(lambda: caught_up(fresh), "the worker recovers")
        eventually(lambda: fresh.readiness()["worker"]["state"] == RUNNING, "the heartbeat says running")
        assert fresh.readiness()["worker"]["last_error"] is None
    worker_row = fresh.readiness()["worker"]
    assert worker_row["state"] == STOPPED and worker_row["seconds_since_batch"] is not None
    with fresh.database.read() as curs:  # a worker not heard from for a while is not running, whatever it said
        assert {s.state for s in worker_statuses(curs, now=time.time() + STALE_SECONDS + 1)} == {STOPPED}


def test_readiness_fails_while_a_projection_the_api_serves_is_stalled(fresh: MessageStore) -> None:
    write_thread(fresh, ALPHA, 2)
    report = readiness(fresh.database, fresh.app, stall_seconds=60)
    assert report["ready"] is True and report["stalled"] == []  # behind, but only just
    assert report["worker"] == {"state": "never ran"}
    time.sleep(1.1)  # the positions table counts whole seconds
    report = readiness(fresh.database, fresh.app, stall_seconds=0.5)
    assert report["ready"] is False and ANALYTICS_PROJECTION in report["stalled"]
    assert report["projections"][ANALYTICS_PROJECTION]["state"] == "stalled"
    assert report["projections"]["history"]["state"] == "stalled"  # reported, but its reads catch it up
    ProjectionWorker(fresh.database, fresh.app, fresh.signal).catch_up()
    assert readiness(fresh.database, fresh.app, stall_seconds=0.5)["ready"] is True
