"""A projector whose handlers state row changes on a ``RowBatch``, one handler per event class."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from projections.storage.batch import RowBatch
from projections.storage.columns import seconds
from projections.storage.events import EventFields
from projections.storage.open_rows import OpenRows
from projections.storage.positions import record_position
from projections.storage.sql import Cursor, Dialect

Fields = dict[str, Any]
"""An event's attributes as ``vars(event)`` holds them (the time is passed apart, in Unix seconds)."""
Handler = Callable[[RowBatch, Fields, int], None]


class RowProjector:
    """Applies events through ``handlers`` (event class -> handler) and records its position.

    The writer hands it domain events, a rebuild the fields it decodes from stored rows, and both go
    through the same handlers; the batch folds a whole page of events into few statements.
    """

    def __init__(
        self, dialect: Dialect, name: str, handlers: dict[type[Any], Handler], open_rows: OpenRows | None = None
    ) -> None:
        self.dialect = dialect
        self.name = name
        self._handlers = handlers
        self.open_rows = open_rows  # rows kept between the writer's transactions (see ``OpenRows``)

    @property
    def handles(self) -> frozenset[type[Any]]:
        """The event classes this projector changes its tables for."""
        return frozenset(self._handlers)

    def apply(self, curs: Cursor, events: Sequence[Any], position: int | None, now: int) -> None:
        """Apply ``events`` and record ``position`` as the last one applied, in one transaction."""
        self.apply_fields(curs, ((type(e), vars(e), seconds(e)) for e in events), position, now)

    def apply_fields(self, curs: Cursor, events: Iterable[EventFields], position: int | None, now: int) -> None:
        """Apply events given as (class, fields, Unix seconds) and record ``position``, in one transaction."""
        self.write(curs, self.fold(curs, events), position, now)

    def fold(self, reads: Cursor, events: Iterable[EventFields]) -> RowBatch:
        """The row changes of ``events``, in memory (rows they change but do not create are read through ``reads``)."""
        batch = RowBatch(reads, self.dialect)
        handlers = self._handlers
        kept = self.open_rows
        if kept is not None:
            kept.begin()
        for cls, fields, at in events:
            if kept is not None:
                kept.saw(fields)
            handler = handlers.get(cls)
            if handler is not None:
                handler(batch, fields, at)
        return batch

    def changed_row(self, table: str, key: tuple[Any, ...]) -> dict[str, Any] | None:
        """A row of ``table`` as the batch just applied left it, if it changed it in place (see ``OpenRows``)."""
        rows = self.open_rows
        return rows.current(key) if rows is not None and rows.table.name == table else None

    def committed(self) -> None:
        """The writer's transaction that applied the last batch committed (its open rows may be kept)."""
        if self.open_rows is not None:
            self.open_rows.committed()

    def write(self, curs: Cursor, batch: RowBatch, position: int | None, now: int) -> None:
        """Write a folded batch and record ``position`` as the last event applied."""
        batch.flush(curs)
        if position is not None:
            record_position(curs, self.dialect, self.name, position, now)
