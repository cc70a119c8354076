"""What the store needs of a database, whichever it is, and how a database URL chooses one."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from projections.crypto.columns import loads, readable
from projections.crypto.keyring import keys_ddl
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
    timeout: float = 5.0  # seconds a request waits on the database before it is answered 503
    prepared_statements = True  # whether connections may prepare statements (not behind a transaction pooler)
    read_urls: tuple[str, ...] = ()  # streaming replicas the live views may be read from (PostgreSQL)

    @abstractmethod
    def application_env(self) -> dict[str, str]:
        """Return the eventsourcing environment that stores events in this database."""

    @abstractmethod
    @contextmanager
    def read(self) -> Iterator[Cursor]:
        """Yield a cursor for reads; each statement sees everything committed before it."""

    @contextmanager
    def view_read(self) -> Iterator[Cursor]:
        """Like ``read``, for the live views' reads: a replica's cursor where one holds every acknowledged write."""
        with self.read() as curs:
            yield curs

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

    threaded_copy_writes = False  # whether a copy's pages are written in a second thread while the next is folded

    @contextmanager
    def building_copy(self) -> Iterator[None]:
        """Settings of this thread's connection while it builds a projection's copy and swaps it in."""
        yield

    @contextmanager
    def writing_copy_pages(self) -> Iterator[None]:
        """Settings of the connection that writes a copy's pages: commits that need not wait for the disk."""
        yield

    def overwrite_deleted(self, curs: Cursor) -> None:
        """Have the rows the caller's transaction deletes overwritten on disk, not left in free pages (erasure)."""
        return None

    def flush_deleted(self) -> None:
        """Leave no copy of deleted rows in a log beside the database file (PostgreSQL's WAL is not ours to clear)."""
        return None

    def relax_commit(self, curs: Cursor) -> None:
        """Let the caller's transaction commit without waiting for the disk (a copy's page: rebuilt if lost)."""
        return None

    def adopt(self, app: Any) -> None:
        """Tune the connections of the application that records events here (SQLite has nothing to tune)."""
        return None

    def in_doubt(self, error: BaseException) -> bool:
        """Whether a transaction that raised ``error`` may have committed all the same (the connection died).

        SQLite commits or rolls back in this process: never in doubt.
        """
        return False

    def unreachable(self, error: BaseException) -> bool:
        """Whether ``error`` says the database cannot be reached now (as opposed to refusing a statement)."""
        return isinstance(error, DatabaseUnavailable)

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def setup(self) -> None:
        """Create the position and idempotency tables if they are missing (each projection creates its own)."""
        retry_deadlocks(self._setup)

    def _setup(self) -> None:
        with self.transaction() as curs:
            create_positions_table(curs, self.dialect)
            for statement in keys_ddl(self.dialect):  # encryption at rest (projections/crypto/)
                curs.execute(statement)
            curs.execute(
                f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} ("
                " tenant TEXT NOT NULL, idempotency_key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
                f" status_code INTEGER NOT NULL, response TEXT NOT NULL, created_at {self.dialect.bigint},"
                " PRIMARY KEY (tenant, idempotency_key))"
            )
            curs.execute(f"CREATE INDEX IF NOT EXISTS {IDEMPOTENCY_TABLE}_created ON {IDEMPOTENCY_TABLE} (created_at)")

    def remember_response(
        self,
        curs: Cursor,
        tenant: str,
        key: str,
        fingerprint: str,
        status: int,
        body: Any,
        now: int,
        *,
        replace: bool = False,
        keep_since: int | None = None,
        stored: str | None = None,
    ) -> None:
        """Store the answer to an idempotent request in the caller's transaction.

        A key recorded already raises ``IdempotencyConflict``; with ``replace`` the latest answer wins instead,
        unless it was recorded at ``keep_since`` (Unix seconds) or later: then it raises too. ``stored`` is the
        body as stored, if not its JSON (its ciphertext when the store encrypts).
        """
        text = orjson.dumps(body).decode() if stored is None else stored
        params: list[Any] = [tenant, key, fingerprint, status, text, now]
        keep = "NOTHING"
        if replace:
            keep = (
                "UPDATE SET fingerprint = excluded.fingerprint, status_code = excluded.status_code,"
                " response = excluded.response, created_at = excluded.created_at"
            )
            if keep_since is not None:
                keep += f" WHERE {IDEMPOTENCY_TABLE}.created_at < %s"
                params.append(keep_since)
        curs.execute(
            self.dialect.q(
                f"INSERT INTO {IDEMPOTENCY_TABLE} (tenant, idempotency_key, fingerprint, status_code,"
                " response, created_at) VALUES (%s, %s, %s, %s, %s, %s)"
                f" ON CONFLICT (tenant, idempotency_key) DO {keep} RETURNING tenant"
            ),
            params,
        )
        if curs.fetchone() is None:
            raise IdempotencyConflict(key)

    def forget_responses(self, prefix: str, before: int) -> None:
        """Remove the answers of keys starting with ``prefix`` recorded before ``before`` (Unix seconds)."""
        with self.transaction() as curs:
            curs.execute(
                self.dialect.q(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE created_at < %s AND idempotency_key LIKE %s"),
                (before, prefix + "%"),
            )

    def recall_response(self, tenant: str, key: str, *, since: int | None = None) -> tuple[str, int, Any] | None:
        """Return (fingerprint, status, body) of an earlier request with this key (recorded at ``since`` or later)."""
        with self.read() as curs:
            curs.execute(
                self.dialect.q(
                    f"SELECT fingerprint, status_code, response FROM {IDEMPOTENCY_TABLE}"
                    " WHERE tenant = %s AND idempotency_key = %s AND created_at >= %s"
                ),
                (tenant, key, since or 0),
            )
            row = curs.fetchone()
        if row is None or not readable(row["response"]):  # sealed under an erased key: as if never answered
            return None
        return row["fingerprint"], int(row["status_code"]), loads(row["response"])


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
