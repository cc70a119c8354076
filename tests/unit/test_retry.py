"""Retrying a runner: the backoff's delays, and one log line as an outage begins and one as it ends."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from typing import Any

import psycopg
import pytest

from api.worker import open_when_reachable
from projections.runners.retry import MAX_DELAY, Backoff, Outage, describe, is_database_error
from projections.storage.database import DatabaseUnavailable


def test_the_backoff_doubles_from_a_tenth_of_a_second_up_to_its_cap_and_starts_again_after_a_reset() -> None:
    backoff = Backoff()
    delays = [backoff.next() for _ in range(9)]
    assert delays == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, MAX_DELAY, MAX_DELAY, MAX_DELAY]
    backoff.reset()
    assert backoff.next() == 0.1


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]


def test_an_outage_is_logged_once_as_it_begins_and_once_as_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="test.retry")
    outage = Outage(logging.getLogger("test.retry"), "worker", worker="w1")
    outage.ended()  # nothing to end
    assert not outage.ongoing and lines(caplog) == []
    waits = [outage.failed(psycopg.OperationalError("connection refused\nIs the server running?")) for _ in range(5)]
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.6]
    assert outage.ongoing and outage.last_error == "OperationalError: connection refused"
    outage.ended()
    outage.ended()
    began, ended = lines(caplog)
    assert began == {
        "event": "worker_retrying",
        "worker": "w1",
        "error": "OperationalError: connection refused",
        "retry_in": 0.1,
    }
    assert ended["event"] == "worker_recovered" and ended["attempts"] == 5 and ended["worker"] == "w1"
    assert isinstance(ended["outage_seconds"], float)
    assert outage.failed(sqlite3.OperationalError("database is locked")) == 0.1  # a new outage starts afresh
    assert len(lines(caplog)) == 3


def test_a_failure_that_is_not_the_databases_is_logged_with_where_it_happened(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="test.retry")
    outage = Outage(logging.getLogger("test.retry"), "worker")
    try:
        raise ValueError("a projector's bug")
    except ValueError as e:
        outage.failed(e)
    (began,) = lines(caplog)
    assert began["error"] == "ValueError: a projector's bug"
    assert "raise ValueError" in str(began["traceback"])


def test_database_errors_are_told_from_bugs() -> None:
    for error in (psycopg.OperationalError("x"), sqlite3.OperationalError("x"), DatabaseUnavailable("x")):
        assert is_database_error(error)
    assert not is_database_error(KeyError("x"))
    assert describe(KeyError("x")) == "KeyError: 'x'"
    assert describe(RuntimeError()) == "RuntimeError"


def test_the_worker_command_waits_for_the_database_to_open_the_store(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="msgstore.worker")
    attempts: list[int] = []
    opened: Any = object()

    def open_store() -> Any:
        attempts.append(1)
        if len(attempts) < 3:
            raise DatabaseUnavailable("Cannot connect to PostgreSQL: is it running?")
        return opened

    assert open_when_reachable(open_store, threading.Event()) is opened
    began, ended = lines(caplog)
    assert began["event"] == "worker_retrying" and began["opening"] == "the store"
    assert ended["event"] == "worker_recovered" and ended["attempts"] == 2
    stopped = threading.Event()
    stopped.set()
    assert open_when_reachable(open_store, stopped) is None  # a worker stopped while it waits opens nothing
