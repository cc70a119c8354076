"""Bringing an asynchronous projection up to date before a read that must see every earlier write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projections.projection import Projection
from projections.runners.catch_up import apply_next
from projections.storage.events import EventReader
from projections.storage.positions import read_position

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

PAGE = 2000  # events per transaction when a read has to catch up


class UpToDate:
    """Makes a read of an asynchronous projection see every event recorded before it began.

    The worker normally keeps the projection a few milliseconds behind; a read that finds it behind
    applies the missing events itself, a transaction per page under the projection's position lock
    (``apply_next``, as the worker does), so nothing is applied twice and nothing recorded earlier is missed.
    """

    def __init__(self, database: Database, app: Application[Any], projection: Projection) -> None:
        self.database = database
        self.name = projection.name
        self.reader = EventReader(app, projection.handles(database.dialect))
        self.projector = projection.build(database.dialect)

    def ensure(self) -> int:
        """Apply whatever the projection lacks of the log as it stands now; return the events applied."""
        dialect = self.database.dialect
        head = self.reader.head()
        with self.database.read() as curs:
            position = read_position(curs, dialect, self.name) or 0
        applied = 0
        while position < head:
            page = apply_next(self.database, self.reader, self.projector, self.name, PAGE, head)
            if page is None:  # someone else brought it there meanwhile
                break
            applied += len(page.events)
            position = page.last
        return applied
