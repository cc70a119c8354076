"""Retrying a runner through database outages: capped backoff, one log line as an outage begins, one as it ends."""

from __future__ import annotations

import logging
import sqlite3
import time
import traceback
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import PersistenceError
from psycopg_pool import PoolTimeout

from projections.storage.database import DatabaseUnavailable

FIRST_DELAY = 0.1  # seconds before the first retry
MAX_DELAY = 5.0  # the longest wait between two attempts, however long the outage
ERROR_CHARS = 300  # how much of an error message a log line or a status row keeps

DATABASE_ERRORS = (psycopg.Error, sqlite3.Error, PoolTimeout, DatabaseUnavailable, PersistenceError, ConnectionError)


class Backoff:
    """Delays that double from ``first`` up to ``cap``, and start from ``first`` again after ``reset``."""

    def __init__(self, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> None:
        self.first = first
        self.cap = cap
        self._next = first

    def next(self) -> float:
        """The delay before the next attempt (each one twice the last, up to the cap)."""
        delay = self._next
        self._next = min(self.cap, delay * 2)
        return delay

    def reset(self) -> None:
        """Start again from the first delay."""
        self._next = self.first


def is_database_error(error: BaseException) -> bool:
    """Whether ``error`` comes from the database or the way to it (as opposed to a bug in a projector)."""
    return isinstance(error, DATABASE_ERRORS)


def describe(error: BaseException) -> str:
    """``Class: first line of the message``, short enough for a log line or a status row."""
    message = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
    return text[:ERROR_CHARS]


def log_event(logger: logging.Logger, level: int, event: str, **fields: Any) -> None:
    """Log one structured line: a JSON object with ``event`` first, like the API's request log."""
    logger.log(level, orjson.dumps({"event": event, **fields}).decode())


class Outage:
    """A run of failed attempts by one runner: logged once when it begins and once when it ends.

    ``failed`` returns how long to wait before trying again; ``ended`` is called after any attempt
    that succeeded. Failures in between are logged at debug level only.
    """

    def __init__(self, logger: logging.Logger, runner: str, **labels: Any) -> None:
        self.logger = logger
        self.runner = runner
        self.labels = labels
        self.backoff = Backoff()
        self.began: float | None = None  # time.monotonic() of the first failure
        self.attempts = 0
        self.last_error: str | None = None

    @property
    def ongoing(self) -> bool:
        """Whether the last attempt failed."""
        return self.began is not None

    def failed(self, error: BaseException) -> float:
        """Count a failed attempt (logging it if it is the first); return the seconds to wait before the next."""
        self.attempts += 1
        self.last_error = describe(error)
        delay = self.backoff.next()
        if self.began is not None:
            self.logger.debug("%s: attempt %d failed: %s", self.runner, self.attempts, self.last_error)
            return delay
        self.began = time.monotonic()
        fields: dict[str, Any] = {**self.labels, "error": self.last_error, "retry_in": delay}
        if not is_database_error(error):  # a bug rather than an outage: where it happened matters
            fields["traceback"] = "".join(traceback.format_exception(error))
        log_event(self.logger, logging.WARNING, f"{self.runner}_retrying", **fields)
        return delay

    def ended(self) -> None:
        """Count a successful attempt: log the end of the outage, if there was one, and forget it."""
        if self.began is None:
            return
        seconds = round(time.monotonic() - self.began, 3)
        log_event(
            self.logger,
            logging.INFO,
            f"{self.runner}_recovered",
            **self.labels,
            outage_seconds=seconds,
            attempts=self.attempts,
            last_error=self.last_error,
        )
        self.began = None
        self.attempts = 0
        self.backoff.reset()
