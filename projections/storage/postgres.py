"""PostgreSQL: the production database, shared by any number of API processes and workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from projections.storage.database import Database, DatabaseUnavailable
from projections.storage.pool_check import check_quietly, quietly_checked
from projections.storage.pooler import POOL_MODES, TRANSACTION, check_pool_mode, poll_for_events, session_lock
from projections.storage.replicas import Replicas
from projections.storage.signal import EventSignal
from projections.storage.sql import POSTGRES, Cursor

APPLICATION_NAME = "msgstore"
EVENTS_TABLE = f"{APPLICATION_NAME}_events"
SETUP_LOCK_KEY = 0x6D736773_01  # "msgs", 1: creating the schema
DEFAULT_TIMEOUT = 5.0  # seconds a request waits for a connection before it is told the database is unavailable

class PostgresDatabase(Database):
    """A PostgreSQL database reached through a connection pool."""

    dialect = POSTGRES
    conninfo: str

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        timeout: float = DEFAULT_TIMEOUT,
        pool_mode: str = "session",
        read_urls: Sequence[str] = (),
    ) -> None:
        if pool_mode not in POOL_MODES:
            raise ValueError(f"Unknown pool mode {pool_mode!r}: one of {', '.join(POOL_MODES)}.")
        self.url = url
        self.conninfo = url.replace("postgres://", "postgresql://", 1)
        self.timeout = timeout
        # Behind a transaction pooler no statement is prepared (a prepared statement lives in one server session).
        self.pool_mode = pool_mode
        self.prepared_statements = pool_mode != TRANSACTION
        self._pool = ConnectionPool(
            self.conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "row_factory": dict_row, **self.connection_options()},
            open=False,
            name="msgstore-read",
            timeout=timeout,
            check=check_quietly,  # a connection the server dropped is replaced, not handed out
            reconnect_timeout=timeout,  # give up a failing attempt soon: the next request starts a fresh one
        )
        self._pool_size = pool_size
        self._open_lock = threading.Lock()
        self.read_urls = tuple(read_urls)
        self.replicas = Replicas(read_urls, EVENTS_TABLE, self.connection_options(), timeout) if read_urls else None

    def application_env(self) -> dict[str, str]:
        parts = urlsplit(self.conninfo)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            # Only the writer thread and occasional log reads use these; the views have their own pool.
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
            # Seconds to wait for a connection (the pool's timeout too) and for the events table's lock.
            "POSTGRES_CONNECT_TIMEOUT": str(max(1, round(self.timeout))),
            "POSTGRES_LOCK_TIMEOUT": str(max(1, round(self.timeout))),
            "APPLICATION_RECORDER_TOPIC": "projections.storage.postgres_recorder:InlinePostgresRecorder",
        }

    def _open(self) -> None:
        if not self._pool.closed:
            return
        with self._open_lock:
            if not self._pool.closed:
                return
            try:
                self._pool.open(wait=True, timeout=self.timeout)
            except PoolTimeout:
                raise DatabaseUnavailable(
                    f"Cannot connect to PostgreSQL at {self._safe_url()}: is it running?"
                ) from None

    def _safe_url(self) -> str:
        parts = urlsplit(self.conninfo)
        return f"{parts.hostname}:{parts.port or 5432}/{parts.path.lstrip('/')}"

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        self._open()
        try:
            with self._pool.connection() as conn, conn.cursor() as curs:
                yield curs
        except (psycopg.OperationalError, PoolTimeout) as e:
            raise DatabaseUnavailable(str(e)) from None

    @contextmanager
    def view_read(self) -> Iterator[Cursor]:
        if self.replicas is None:
            with self.read() as curs:
                yield curs
            return
        try:
            with self.replicas.read(self.read) as curs:
                yield curs
        except (psycopg.OperationalError, PoolTimeout) as e:  # a replica went away during the read
            raise DatabaseUnavailable(str(e)) from None

    @contextmanager
    def transaction(self, *, lock_events: bool = False) -> Iterator[Cursor]:
        self._open()
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as curs:
            if lock_events:
                curs.execute(f"LOCK TABLE {EVENTS_TABLE} IN EXCLUSIVE MODE")
            yield curs

    def connection_options(self) -> dict[str, Any]:
        """libpq and psycopg options of every connection to this database (see ``connection_options``)."""
        options = connection_options(self.timeout)
        if not self.prepared_statements:
            options["prepare_threshold"] = None
        return options

    def listen_for_events(self, signal: EventSignal, stopping: threading.Event) -> None:
        if self.pool_mode == TRANSACTION:  # LISTEN needs a session of its own: watch the head of the log instead
            poll_for_events(self.conninfo, EVENTS_TABLE, self.connection_options(), signal, stopping)
            return
        # The recorder sends NOTIFY on the events table's channel in every insert transaction.
        with psycopg.connect(self.conninfo, autocommit=True, **self.connection_options()) as conn:
            conn.execute(f"LISTEN {EVENTS_TABLE}")
            signal.notify()  # anything recorded while we were not listening
            while not stopping.is_set():
                for _ in conn.notifies(timeout=0.5, stop_after=1):
                    signal.notify()

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        # Concurrent CREATE TABLE IF NOT EXISTS can fail in PostgreSQL: let one process at a time create.
        # The lock is a transaction's, held open on a connection of its own: a transaction pooler keeps it.
        self._open()
        check_pool_mode(self._pool, self.pool_mode, self._safe_url())
        with session_lock(self.conninfo, SETUP_LOCK_KEY, self.connection_options()):
            yield

    # psycopg leaves the GIL while the server writes a page: the next page is folded meanwhile.
    threaded_copy_writes = True

    def relax_commit(self, curs: Cursor) -> None:
        curs.execute("SET LOCAL synchronous_commit TO OFF")

    def adopt(self, app: Any) -> None:
        # The writer's pool is the library's: after an outage its reconnection attempts back off
        # exponentially for up to five minutes (80 s to recover after 150 s measured). Give an attempt up
        # after ``timeout`` instead: the next write starts a fresh one at once. Its connections are checked
        # as the read pool's are (``check_quietly``).
        quietly_checked(app.recorder.datastore, reconnect_timeout=self.timeout, prepare=self.prepared_statements)

    def in_doubt(self, error: BaseException) -> bool:
        cause = _psycopg_cause(error)
        # Lost mid-transaction: no SQLSTATE, or class 08 (connection exception). A pool timeout sent nothing.
        return cause is not None and not isinstance(cause, PoolTimeout) and _connection_lost(cause)

    def unreachable(self, error: BaseException) -> bool:
        cause = _psycopg_cause(error)
        return isinstance(error, DatabaseUnavailable) or (cause is not None and _connection_lost(cause))

    def close(self) -> None:
        if self.replicas is not None:
            self.replicas.close()
        self._pool.close()


def _psycopg_cause(error: BaseException) -> psycopg.Error | None:
    """The psycopg error behind ``error`` (eventsourcing wraps them in its own classes)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, psycopg.Error):
            return seen
        seen = seen.__cause__
    return None


def _connection_lost(error: psycopg.Error) -> bool:
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    state = error.sqlstate
    return state is None or state.startswith("08") or state in ADMIN_SHUTDOWN


ADMIN_SHUTDOWN = ("57P01", "57P02", "57P03")  # the server shut down, crashed, or is starting: try again later


def holds_store(url: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    """Whether the database holds the event log (its schema was created); creates nothing."""
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), **connection_options(timeout)) as conn:
            found = conn.execute("SELECT to_regclass(%s)", (EVENTS_TABLE,)).fetchone()
    except psycopg.Error as e:
        raise DatabaseUnavailable(f"Cannot connect to PostgreSQL: {e}".strip()) from None
    return found is not None and found[0] is not None


def connection_options(timeout: float) -> dict[str, Any]:
    """libpq options of every connection: a bounded connect, and keepalives that notice a vanished server."""
    return {
        "connect_timeout": max(1, round(timeout)),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
    }
