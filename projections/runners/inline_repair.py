"""Catching up an inline projection that missed events (recorded by a process without it): the worker's side job."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from projections.projection import Projection
from projections.runners.catch_up import apply_next
from projections.runners.rebuild import rebuild
from projections.storage.events import EventReader
from projections.storage.positions import read_position

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from projections.storage.database import Database

log = logging.getLogger("msgstore.worker")

INLINE_GRACE = 5.0  # seconds an inline projection may look behind before the worker repairs it


class InlineRepair:
    """Applies events an inline projection missed, with new events held back, or rebuilds it when far behind.

    Inline projections are normally never behind. One that has been for ``INLINE_GRACE`` seconds
    is caught up with new events held back (so the writer cannot interleave), or rebuilt beside its
    live tables when it is more than a batch behind.
    """

    def __init__(
        self, database: Database, app: Application[Any], projections: Sequence[Projection], batch: int
    ) -> None:
        self.database = database
        self.app = app
        self.batch = batch
        self._targets = [(p, EventReader(app), p.build(database.dialect)) for p in projections]

    def __call__(self) -> int:
        """Repair whichever inline projection is behind; return the events applied."""
        if not self._targets:
            return 0
        dialect = self.database.dialect
        head = self._targets[0][1].head()
        with self.database.read() as curs:
            positions = {p.name: read_position(curs, dialect, p.name) for p, _, _ in self._targets}
        applied = 0
        for target, reader, projector in self._targets:
            position = positions[target.name]
            if position is None or position >= head:  # never ran: the store's opening backfills it, not the worker
                continue
            with self.database.read() as curs:
                position = read_position(curs, dialect, target.name) or 0
            first = reader.read(position, 1)
            if not first.events or time.time() - first.events[0].timestamp.timestamp() < INLINE_GRACE:
                continue
            log.warning("inline projection %s is %d events behind; catching up", target.name, head - position)
            if head - position > self.batch:
                applied += rebuild(self.database, self.app, target)
                continue
            page = apply_next(self.database, reader, projector, target.name, self.batch, lock_events=True)
            applied += len(page.events) if page is not None else 0
        return applied
