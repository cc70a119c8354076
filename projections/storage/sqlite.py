"""SQLite: the embedded default, one file holding the event log and the views."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteCursor

from projections.storage.database import Database, DatabaseUnavailable
from projections.storage.eventsourcing_internals import SQLiteEventsRecorder
from projections.storage.signal import EventSignal
from projections.storage.sql import SQLITE, Cursor

BUSY_TIMEOUT_SECONDS = 30
POLL_SECONDS = 0.02
COPY_CACHE_KIB = 128 * 1024  # page cache while building a copy: its key index stays in memory
# Pages in the write-ahead log before SQLite moves them to the database file while a copy is written: the
# pages every commit changes again (the copy's key index) are then moved once, not once a commit.
COPY_CHECKPOINT_PAGES = 16_384

InlineHook = Callable[[Any, Sequence[int]], None]


class InlineSQLiteRecorder(SQLiteEventsRecorder):
    """Records events and, in the same transaction, whatever the ``inline`` hook writes."""

    def insert_views(self, cursor: SQLiteCursor, ids: Sequence[int], **kwargs: Any) -> None:
        inline: InlineHook | None = kwargs.get("inline")
        if inline is not None:
            inline(_RowCursor(cursor), ids)


class _RowCursor:
    """Adapts eventsourcing's SQLite cursor wrapper to the plain DB-API calls the views make."""

    def __init__(self, cursor: SQLiteCursor) -> None:
        self._cursor = cursor

    def execute(self, query: Any, params: Any = ()) -> Any:
        return self._cursor.execute(query, params)

    def executemany(self, query: Any, params_seq: Any) -> Any:
        return self._cursor.executemany(query, params_seq)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> Any:
        return self._cursor.fetchall()


def sqlite_path(url: str) -> Path:
    """The file a ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` URL names (as SQLAlchemy)."""
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
    if not path or ":memory:" in path:
        msg = "SQLite needs a file: use sqlite:///relative/path.db or sqlite:////absolute/path.db."
        raise ValueError(msg)
    return Path(path)


def holds_store(url: str) -> bool:
    """Whether the SQLite file exists and holds an event log; opened read-only, so nothing is created."""
    path = sqlite_path(url)
    if not path.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'")
            return found.fetchone() is not None
    except sqlite3.Error as e:
        raise DatabaseUnavailable(f"Cannot read SQLite file {path}: {e}") from None


class SQLiteDatabase(Database):
    """A SQLite file in WAL mode; readers use one connection per thread."""

    dialect = SQLITE

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def building_copy(self) -> Iterator[None]:
        """A page cache that holds the copy's key index; and ``secure_delete=FAST``.

        With it the pages of the dropped tables join the free list without first being overwritten
        with zeros, which SQLite builds with secure delete on do, writing the whole old view once more
        (its rows are in the event log anyway). Neither setting changes what a commit guarantees.
        """
        with self._pragmas({"cache_size": -COPY_CACHE_KIB, "secure_delete": "FAST"}):
            yield

    @contextmanager
    def writing_copy_pages(self) -> Iterator[None]:
        """``synchronous=NORMAL`` in WAL mode, with rarer checkpoints, until the copy is written.

        A crash may lose the last pages, never corrupt them; a lost page goes with its recorded
        position, so a resumed build applies it again. The swap then commits as durably as any write.
        """
        with self._pragmas({"synchronous": "NORMAL", "wal_autocheckpoint": COPY_CHECKPOINT_PAGES}):
            yield

    @contextmanager
    def _pragmas(self, settings: dict[str, Any]) -> Iterator[None]:
        """Set PRAGMAs on this thread's connection for the block, and restore them after."""
        with self.read() as curs:
            saved = [(name, curs.execute(f"PRAGMA {name}").fetchone()[0]) for name in settings]
            for name, value in settings.items():
                curs.execute(f"PRAGMA {name} = {value}")
        try:
            yield
        finally:
            with self.read() as curs:
                for name, value in saved:
                    curs.execute(f"PRAGMA {name} = {int(value)}")

    def application_env(self) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.path),
            "SQLITE_LOCK_TIMEOUT": str(BUSY_TIMEOUT_SECONDS),
            "APPLICATION_RECORDER_TOPIC": "projections.storage.sqlite:InlineSQLiteRecorder",
        }

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path,
                    isolation_level=None,
                    check_same_thread=False,
                    timeout=BUSY_TIMEOUT_SECONDS,
                )
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.Error as e:
                raise DatabaseUnavailable(f"Cannot open SQLite file {self.path}: {e}") from None
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[Cursor]:
        curs = self._connection().cursor()
        try:
            yield curs
        finally:
            curs.close()

    @contextmanager
    def transaction(self, *, lock_events: bool = False) -> Iterator[Cursor]:
        conn = self._connection()
        curs = conn.cursor()
        # IMMEDIATE takes the write lock now, which is what keeps events out meanwhile.
        curs.execute("BEGIN IMMEDIATE")
        try:
            yield curs
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            curs.close()

    def listen_for_events(self, signal: EventSignal, stopping: threading.Event) -> None:
        # data_version changes when another connection commits to the file.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            seen = conn.execute("PRAGMA data_version").fetchone()[0]
            while not stopping.wait(POLL_SECONDS):
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version != seen:
                    seen = version
                    signal.notify()
        finally:
            conn.close()

    def overwrite_deleted(self, curs: Cursor) -> None:
        curs.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten with zeros, not left in free space

    def flush_deleted(self) -> None:
        # Move the write-ahead log into the file and empty it: its old page images hold the deleted rows.
        with sqlite3.connect(self.path, timeout=30) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
