"""What the store needs of a database, whichever it is, and how a database URL chooses one."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from projections.storage.positions import create_positions_table
from projections.storage.signal import EventSignal
from projections.storage.sql import Cursor, Dialect

IDEMPOTENCY_TABLE = "idempotency_keys"


class IdempotencyConflict(Exception):
    """Another request with the same idempotency key was recorded first."""


class DatabaseUnavailable(Exception):
    """The database cannot be reached or refused the connection."""


class Database(ABC):
    """A SQLite file or a PostgreSQL database holding the event log and the views beside it."""

    dialect: Dialect
    url: str
    conninfo: str | None = None  # a libpq connection string where async connections can be opened

    @abstractmethod
    def application_env(self) -> dict[str, str]:
        """Return the eventsourcing environment that stores events in this database."""

    @abstractmethod
    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """Yield a cursor for reads; each statement sees everything committed before it."""

    @abstractmethod
    @contextmanager
    def transaction(self, *, lock_events: bool = False) -> Iterator[Cursor]:
        """Yield a cursor in a transaction that commits on success.

        With ``lock_events`` no event can be recorded until it ends.
        """

    @abstractmethod
    def listen_for_events(self, signal: EventSignal, stopping: threading.Event) -> None:
        """Call ``signal.notify()`` whenever another connection records events, until ``stopping`` is set."""

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Serialize schema creation between processes starting at once (a no-op where DDL is serialized)."""
        yield

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def setup(self) -> None:
        """Create the position and idempotency tables if they are missing (each projection creates its own)."""
        retry_deadlocks(self._setup)

    def _setup(self) -> None:
        with self.transaction() as curs:
            create_positions_table(curs, self.dialect)
            curs.execute(
                f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} ("
                " tenant TEXT NOT NULL, idempotency_key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
                f" status_code INTEGER NOT NULL, response TEXT NOT NULL, created_at {self.dialect.bigint},"
                " PRIMARY KEY (tenant, idempotency_key))"
            )

    def remember_response(
        self, curs: Cursor, tenant: str, key: str, fingerprint: str, status: int, body: Any, now: int
    ) -> None:
        """Store the answer to an idempotent request in the caller's transaction."""
        curs.execute(
            self.dialect.q(
                f"INSERT INTO {IDEMPOTENCY_TABLE} (tenant, idempotency_key, fingerprint, status_code,"
                " response, created_at) VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING tenant"
            ),
            (tenant, key, fingerprint, status, orjson.dumps(body).decode(), now),
        )
        if curs.fetchone() is None:
            raise IdempotencyConflict(key)

    def recall_response(self, tenant: str, key: str) -> tuple[str, int, Any] | None:
        """Return (fingerprint, status, body) of an earlier request with this key, if any."""
        with self.read() as curs:
            curs.execute(
                self.dialect.q(
                    f"SELECT fingerprint, status_code, response FROM {IDEMPOTENCY_TABLE}"
                    " WHERE tenant = %s AND idempotency_key = %s"
                ),
                (tenant, key),
            )
            row = curs.fetchone()
        if row is None:
            return None
        return row["fingerprint"], int(row["status_code"]), orjson.loads(row["response"])


DEADLOCK = "40P01"  # PostgreSQL's SQLSTATE for a transaction chosen as a deadlock's victim


def retry_deadlocks(create: Callable[[], None], attempts: int = 5) -> None:
    """Run ``create`` (schema statements in one transaction) again if PostgreSQL ends it as a deadlock victim.

    ``CREATE INDEX IF NOT EXISTS`` locks its table even when the index exists: a process starting while
    another writes the same tables in another order can deadlock with it. Nothing was done; try again.
    """
    for attempt in range(attempts):
        try:
            create()
            return
        except Exception as e:
            if getattr(e, "sqlstate", None) != DEADLOCK or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
