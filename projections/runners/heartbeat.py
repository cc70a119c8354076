"""The row through which a projection worker tells every process how it is doing: state, last error, last batch."""

from __future__ import annotations

import itertools
import os
import socket
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from projections.storage.sql import Cursor, Dialect

if TYPE_CHECKING:
    from projections.storage.database import Database

WORKERS_TABLE = "projection_workers"

STARTING = "starting"
RUNNING = "running"  # holds the worker lock and applies events
STANDBY = "standby"  # another worker holds the lock; takes over if it goes
RETRYING = "retrying"  # its last attempt failed (see last_error); tries again after a backoff
STOPPED = "stopped"  # stopped, died, or has not been heard from for STALE_SECONDS
NEVER_RAN = "never ran"

HEARTBEAT_SECONDS = 2.0  # the least time between two writes of an unchanged state
STALE_SECONDS = 10.0  # a worker silent for longer is not running (it died, or cannot reach the database)
FORGET_SECONDS = 86_400  # rows of workers silent this long are removed by the next worker to write one
_PREFERENCE = {RUNNING: 0, RETRYING: 1, STANDBY: 2, STARTING: 3, STOPPED: 4}

_serial = itertools.count(1)


def create_workers_table(curs: Cursor, dialect: Dialect) -> None:
    """Create the table of worker heartbeats (times in Unix milliseconds)."""
    curs.execute(
        f"CREATE TABLE IF NOT EXISTS {WORKERS_TABLE} ("
        " worker TEXT PRIMARY KEY,"
        " state TEXT NOT NULL,"
        " last_error TEXT,"
        f" last_batch_at {dialect.bigint},"
        f" updated_at {dialect.bigint} NOT NULL)"
    )


def new_worker_id() -> str:
    """A name for a worker of this process: host, process id, and a serial number."""
    return f"{socket.gethostname()}:{os.getpid()}:{next(_serial)}"


class Heartbeat:
    """Writes one worker's row: at once when its state changes, else at most every ``HEARTBEAT_SECONDS``."""

    def __init__(self, database: Database, worker: str) -> None:
        self.database = database
        self.worker = worker
        self._written_at = 0.0
        self._written_state: str | None = None
        dialect = database.dialect
        self._upsert = dialect.q(
            f"INSERT INTO {WORKERS_TABLE} (worker, state, last_error, last_batch_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (worker) DO UPDATE SET state = excluded.state,"
            " last_error = excluded.last_error, last_batch_at = excluded.last_batch_at,"
            " updated_at = excluded.updated_at"
        )
        self._forget = dialect.q(f"DELETE FROM {WORKERS_TABLE} WHERE updated_at < %s")

    def due(self, state: str) -> bool:
        """Whether ``beat`` would write now."""
        return state != self._written_state or time.monotonic() - self._written_at >= HEARTBEAT_SECONDS

    def beat(self, state: str, last_error: str | None, last_batch_at: float | None) -> None:
        """Record the worker's state if it changed or the last write is old enough; raises what the database raises."""
        if not self.due(state):
            return
        now = _ms(time.time())
        batch = None if last_batch_at is None else _ms(last_batch_at)
        with self.database.transaction() as curs:
            if self._written_state is None:  # the first write of this worker: clear out long-gone ones
                curs.execute(self._forget, (now - FORGET_SECONDS * 1000,))
            curs.execute(self._upsert, (self.worker, state, last_error, batch, now))
        self._written_at = time.monotonic()
        self._written_state = state


@dataclass(frozen=True)
class WorkerStatus:
    """One worker as seen now from any process."""

    worker: str
    state: str
    last_error: str | None
    seconds_since_batch: float | None
    heartbeat_age: float

    def as_dict(self) -> dict[str, Any]:
        """The status as plain JSON values."""
        return asdict(self)


def worker_statuses(curs: Cursor, now: float | None = None) -> list[WorkerStatus]:
    """Every worker with a row, the most telling first; one silent for ``STALE_SECONDS`` counts as stopped."""
    now = time.time() if now is None else now
    curs.execute(f"SELECT worker, state, last_error, last_batch_at, updated_at FROM {WORKERS_TABLE}")
    found = []
    for row in curs.fetchall():
        age = max(0.0, now - int(row["updated_at"]) / 1000)
        batch = row["last_batch_at"]
        found.append(
            WorkerStatus(
                worker=row["worker"],
                state=STOPPED if age > STALE_SECONDS else row["state"],
                last_error=row["last_error"],
                seconds_since_batch=None if batch is None else round(max(0.0, now - int(batch) / 1000), 1),
                heartbeat_age=round(age, 1),
            )
        )
    found.sort(key=lambda s: (_PREFERENCE.get(s.state, 5), s.heartbeat_age))
    return found


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
