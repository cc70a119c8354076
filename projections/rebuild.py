"""Rebuild the thread and message views from the event log beside the live ones, then swap them in."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from projections.projector import MESSAGES_PROJECTION, MessagesProjector
from projections.sql import Cursor
from projections.tables import ViewTables, forget_position, read_position, record_position

if TYPE_CHECKING:
    from projections.store import MessageStore

REBUILD_SUFFIX = "_rebuild"
REBUILD_PROJECTION = MESSAGES_PROJECTION + REBUILD_SUFFIX
PAGE = 5000

Progress = Callable[[int, int], None]


def rebuild_messages_view(store: MessageStore, progress: Progress | None = None, *, page: int = PAGE) -> int:
    """Rebuild the views and return the number of events applied.

    The copy is built in tables beside the live ones while the API keeps serving and recording;
    a rebuild that was interrupted resumes where its copy stopped. The last events are applied
    with new events held back, and the copy takes the live tables' names in the same transaction.
    """
    database = store.database
    live = database.live_tables
    shadow = ViewTables(database.dialect, suffix=REBUILD_SUFFIX)
    projector = MessagesProjector(shadow, name=REBUILD_PROJECTION)
    with database.transaction() as curs:
        position = read_position(curs, database.dialect, REBUILD_PROJECTION)
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
        record_position(curs, database.dialect, MESSAGES_PROJECTION, position, int(time.time()))
        forget_position(curs, database.dialect, REBUILD_PROJECTION)
    if progress is not None:
        progress(position, position)
    return applied


def _apply_page(
    store: MessageStore, projector: MessagesProjector, curs: Cursor, position: int, page: int
) -> tuple[int, int]:
    notifications = store.app.recorder.select_notifications(start=position, limit=page, inclusive_of_start=False)
    if not notifications:
        return 0, position
    events = [store.app.mapper.to_domain_event(n) for n in notifications]
    last = notifications[-1].id
    projector.apply(curs, events, last, int(time.time()))
    return len(notifications), last
