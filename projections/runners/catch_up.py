"""Applying the log to a copy of a projection page by page: the loops that rebuilds and verifications share."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from projections.runners.page_writer import PageWriter, ReadsAfterWrites
from projections.storage.events import EventReader, Page
from projections.storage.positions import lock_position, read_position
from projections.storage.sql import Cursor
from projections.storage.stored_events import StoredLog, StoredPage

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

CHASE_ROUNDS = 3  # rounds of catching up with new events before holding them back for the swap
COPY_PAGE = 10_000  # events per transaction while a copy is built (rebuild, verify)

LogReader = EventReader | StoredLog
Progress = Callable[[int, int], None]
"""Called with (position reached, head of the log) after each page."""


def log_reader(app: Application[Any], handles: frozenset[type[Any]] | None) -> LogReader:
    """The fastest reader of the log that decodes this application's events."""
    return StoredLog(app, handles) if StoredLog.supports(app) else EventReader(app, handles)


def read_position_of(database: Database, name: str) -> int:
    """The position recorded for ``name`` (0 if none)."""
    with database.read() as curs:
        return read_position(curs, database.dialect, name) or 0


def chase(
    database: Database, reader: LogReader, projector: Any, name: str, page: int, progress: Progress | None
) -> int:
    """Catch up with the head as it moves, a few rounds at most: what is left goes in the final, locked step."""
    applied = 0
    for _ in range(CHASE_ROUNDS):
        stop = reader.head()
        applied += catch_up(database, reader, projector, read_position_of(database, name), page, progress, stop=stop)
        if reader.head() - stop <= page:
            break
    return applied


def catch_up(
    database: Database,
    reader: LogReader,
    projector: Any,
    position: int,
    page: int,
    progress: Progress | None,
    *,
    stop: int | None = None,
) -> int:
    """Apply the log after ``position`` (up to ``stop``), a transaction per page; return the events applied.

    A projector that can fold a page in memory (``fold``/``write``) is fed decoded fields here, on
    PostgreSQL while the page before is written in the writer's thread; any other gets whole pages.
    """
    applied = 0
    writer = PageWriter(database)
    folds = isinstance(reader, StoredLog) and hasattr(projector, "fold")
    reads = ReadsAfterWrites(database, writer)
    try:
        for found in reader.pages(position, page, stop):
            if folds:
                assert isinstance(found, StoredPage)
                writer.submit(partial(_write, projector, projector.fold(reads, found.fields()), found.last))
            else:
                writer.submit(partial(_apply_page_to, projector, found))
            applied += len(found.events)
            if progress is not None:
                progress(found.last, max(found.last, stop or reader.head()))
    finally:
        writer.close()
    return applied


def apply_next(
    database: Database,
    reader: EventReader,
    projector: Any,
    name: str,
    limit: int,
    stop: int | None = None,
    *,
    lock_events: bool = False,
) -> Page | None:
    """Apply the next page after projection ``name``'s position (up to ``stop``) in a transaction of its own.

    The transaction holds the projection's position lock, so whoever else applies pages to it (the
    worker, a read bringing it up to date) waits: each event is applied once. None if nothing was due.
    """
    with database.transaction(lock_events=lock_events) as curs:
        position = lock_position(curs, database.dialect, name)
        page = reader.read(position, limit, stop)
        if page.last <= position:
            return None
        projector.apply(curs, page.events, page.last, _now())
    return page


def apply_until(curs: Cursor, reader: LogReader, projector: Any, position: int, stop: int, page: int) -> int:
    """Apply the log from ``position`` to ``stop`` in the caller's transaction; return the events applied."""
    applied = 0
    while position < stop:
        found = reader.read(position, page, stop)
        apply_page(curs, projector, found)
        applied += len(found.events)
        position = found.last
    return applied


def apply_page(curs: Cursor, projector: Any, found: Page | StoredPage) -> None:
    """Apply a page: as decoded fields where the projector takes them, else as domain events."""
    if isinstance(found, StoredPage) and hasattr(projector, "apply_fields"):
        projector.apply_fields(curs, found.fields(), found.last, _now())
    else:
        projector.apply(curs, found.events, found.last, _now())


def _write(projector: Any, batch: Any, last: int, curs: Cursor) -> None:
    projector.write(curs, batch, last, _now())


def _apply_page_to(projector: Any, found: Page | StoredPage, curs: Cursor) -> None:
    apply_page(curs, projector, found)


def _now() -> int:
    return int(time.time())
