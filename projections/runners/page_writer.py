"""Writes the pages of a copy being built, on PostgreSQL while the next page is decoded and folded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from projections.storage.sql import Cursor

if TYPE_CHECKING:
    from projections.storage.database import Database

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
        self._threaded = database.threaded_copy_writes
        self._pending: Future[None] | None = None
        self._settings = ExitStack()
        self._settings.enter_context(database.writing_copy_pages())

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
            self._settings.close()

    def _run(self, write: Write) -> None:
        with self.database.transaction() as curs:
            self.database.relax_commit(curs)
            write(curs)


@contextmanager
def building_copy(database: Database) -> Iterator[None]:
    """The database's settings for building a copy and swapping it in, on this thread's connection."""
    with database.building_copy():
        yield


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
