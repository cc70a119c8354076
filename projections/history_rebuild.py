"""Keeps the history complete: a catch-up when a store opens, and a rebuild beside the live tables."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from projections.history_projector import HistoryProjector
from projections.history_tables import HISTORY_PROJECTION, HistoryTables
from projections.sql import Cursor
from projections.tables import forget_position, read_position, record_position

if TYPE_CHECKING:
    from projections.store import MessageStore

REBUILD_SUFFIX = "_rebuild"
PAGE = 5000

Progress = Callable[[int, int], None]


class Generation(Protocol):
    """One set of a projection's tables."""

    def create(self, curs: Cursor) -> None: ...
    def drop(self, curs: Cursor) -> None: ...
    def replace(self, curs: Cursor, live: Any) -> None: ...


class Projector(Protocol):
    """A projector that records its position under ``name``."""

    name: str

    def apply(self, curs: Cursor, events: Any, position: int | None, now: int) -> None: ...


def catch_up_history(store: MessageStore, projector: HistoryProjector, *, page: int = PAGE) -> int:
    """Create the history tables and apply the events recorded without them; return how many.

    Normally none: the history is projected inline with every write. Events recorded before it
    existed (an older version of the store) are applied once, with new events held back meanwhile.
    """
    database = store.database
    with database.transaction() as curs:
        projector.create(curs)
    head = store.app.recorder.max_notification_id() or 0  # first: a later position is caught up
    with database.read() as curs:
        position = read_position(curs, database.dialect, projector.name)
    if (position or 0) >= head:
        return 0
    applied = 0
    with database.transaction(lock_events=True) as curs:
        position = read_position(curs, database.dialect, projector.name)
        if position is None:  # never ran: whatever is in the tables did not come from this log
            projector.tables.drop(curs)
            projector.create(curs)
        current = position or 0
        while True:
            count, current = _apply_page(store, projector, curs, current, page)
            applied += count
            if count < page:
                break
    return applied


def rebuild_history(store: MessageStore, progress: Progress | None = None, *, page: int = PAGE) -> int:
    """Rebuild the history tables from the event log beside the live ones, then swap them in."""
    dialect = store.database.dialect
    shadow = HistoryTables(dialect, suffix=REBUILD_SUFFIX)
    projector = HistoryProjector(shadow, name=HISTORY_PROJECTION + REBUILD_SUFFIX)
    return rebuild_beside(store, HistoryTables(dialect), shadow, projector, HISTORY_PROJECTION, progress, page=page)


def rebuild_beside(
    store: MessageStore,
    live: Generation,
    shadow: Generation,
    projector: Projector,
    name: str,
    progress: Progress | None = None,
    *,
    page: int = PAGE,
) -> int:
    """Build ``shadow`` from the log while ``live`` keeps serving, then swap it in under the event lock.

    The shadow's progress is recorded under ``projector.name``, so an interrupted rebuild resumes;
    when it takes over, its position becomes the position of ``name``. Returns the events applied.
    """
    database = store.database
    with database.transaction() as curs:
        position = read_position(curs, database.dialect, projector.name)
        if position is None:
            shadow.drop(curs)
        shadow.create(curs)
    position = position or 0
    head = store.app.recorder.max_notification_id() or 0
    applied = 0
    while True:
        with database.transaction() as curs:
            count, position = _apply_page(store, projector, curs, position, page)
        applied += count
        if progress is not None:
            progress(position, max(head, position))
        if count < page:
            break
    with database.transaction(lock_events=True) as curs:
        while True:
            count, position = _apply_page(store, projector, curs, position, page)
            applied += count
            if count < page:
                break
        shadow.replace(curs, live)
        record_position(curs, database.dialect, name, position, int(time.time()))
        forget_position(curs, database.dialect, projector.name)
    if progress is not None:
        progress(position, position)
    return applied


def _apply_page(store: MessageStore, projector: Projector, curs: Cursor, position: int, page: int) -> tuple[int, int]:
    notifications = store.app.recorder.select_notifications(start=position, limit=page, inclusive_of_start=False)
    if not notifications:
        return 0, position
    events = [store.app.mapper.to_domain_event(n) for n in notifications]
    last = notifications[-1].id
    projector.apply(curs, events, last, int(time.time()))
    return len(notifications), last
