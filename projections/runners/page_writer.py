"""Writes the pages of a copy being built, on PostgreSQL while the next page is decoded and folded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from projections.storage.sql import Cursor

if TYPE_CHECKING:
    from projections.storage.database import Database

COPY_CACHE_KIB = 128 * 1024  # SQLite page cache while building a copy: its key index stays in memory
# Pages in the write-ahead log before SQLite moves them to the database file: the pages that every
# commit changes again (the copy's key index) are then moved once, not once a commit.
COPY_CHECKPOINT_PAGES = 16_384

Write = Callable[[Cursor], None]

# One thread per process writes copies to PostgreSQL (it starts with the first page).
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="msgstore-copy-writer")


class PageWriter:
    """Runs each page's writes in a transaction of their own, in order, one page in flight.

    On PostgreSQL a page is written in a second thread while the next one is folded: the server
    does the writing in its own process, and psycopg leaves the GIL while it waits. On SQLite the
    writes run in the caller's thread: the sqlite3 module hands the GIL over and back around
    every statement step, and with two cores busy those handovers cost more than the overlap
    gains (measured). Copy pages commit without waiting for the disk (PostgreSQL
    ``synchronous_commit`` off, SQLite ``synchronous=NORMAL`` in WAL mode on the caller's connection,
    with rarer checkpoints): a crash may lose the last pages, never corrupt them, and a lost page
    goes with its recorded position, so a resumed build applies it again. The SQLite settings are
    restored on ``close``: the swap commits as durably as any write.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._threaded = database.dialect.name == "postgres"
        self._settings: list[tuple[str, Any]] = []
        self._pending: Future[None] | None = None
        self._tune()

    def submit(self, write: Write) -> None:
        """Write a page once the page before it is committed (raising that page's error, if any)."""
        self.wait()
        if self._threaded:
            self._pending = _WRITER.submit(self._run, write)
        else:
            self._run(write)

    def wait(self) -> None:
        """Return once everything submitted is committed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the last page and give the connection back its settings."""
        try:
            self.wait()
        finally:
            self._restore()

    def _run(self, write: Write) -> None:
        with self.database.transaction() as curs:
            if self._threaded:
                curs.execute("SET LOCAL synchronous_commit TO OFF")
            write(curs)

    def _tune(self) -> None:
        if self.database.dialect.name != "sqlite":
            return
        with self.database.read() as curs:
            for name in ("synchronous", "wal_autocheckpoint"):
                self._settings.append((name, curs.execute(f"PRAGMA {name}").fetchone()[0]))
            curs.execute("PRAGMA synchronous = NORMAL")
            curs.execute(f"PRAGMA wal_autocheckpoint = {COPY_CHECKPOINT_PAGES}")

    def _restore(self) -> None:
        if self._settings:
            with self.database.read() as curs:
                for name, value in self._settings:
                    curs.execute(f"PRAGMA {name} = {int(value)}")


@contextmanager
def building_copy(database: Database) -> Iterator[None]:
    """Settings of this thread's SQLite connection while it builds a copy and swaps it in (restored after).

    A page cache that holds the copy's key index; and ``secure_delete=FAST``: the pages of the
    dropped tables join the free list without first being overwritten with zeros, which SQLite
    builds with secure delete on do, writing the whole old view once more (its rows are in the
    event log anyway). Neither setting changes what a commit guarantees.
    """
    if database.dialect.name != "sqlite":
        yield
        return
    with database.read() as curs:
        saved = [(name, curs.execute(f"PRAGMA {name}").fetchone()[0]) for name in ("cache_size", "secure_delete")]
        curs.execute(f"PRAGMA cache_size = {-COPY_CACHE_KIB}")
        curs.execute("PRAGMA secure_delete = FAST")
    try:
        yield
    finally:
        with database.read() as curs:
            for name, value in saved:
                curs.execute(f"PRAGMA {name} = {int(value)}")


class ReadsAfterWrites:
    """The cursor a page being folded reads through: a read first waits until the pages before it are written."""

    def __init__(self, database: Database, writer: PageWriter) -> None:
        self._database = database
        self._writer = writer
        self._rows: list[Any] = []

    def execute(self, query: Any, params: Any = ()) -> None:
        self._writer.wait()
        with self._database.read() as curs:
            curs.execute(query, params)
            self._rows = list(curs.fetchall())

    def executemany(self, query: Any, params_seq: Any) -> None:
        raise TypeError("a page being folded only reads; its writes go through the PageWriter")

    def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> Any:
        rows, self._rows = self._rows, []
        return rows
