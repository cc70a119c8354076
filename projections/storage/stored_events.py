"""Pages of the event log read as plain rows, decoded one event at a time as a projector iterates them."""

from __future__ import annotations

import contextlib
import queue
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, overload

from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row

from projections.storage.events import EventFields, event_class, opener_of
from projections.storage.eventsourcing_internals import (
    PostgresEventsRecorder,
    SQLiteEventsRecorder,
    StoredRow,
    decoded_event,
    stored_fields,
    stores_plain_json,
)

LogRecorder = PostgresEventsRecorder | SQLiteEventsRecorder
"""The recorders whose log table ``StoredLog`` queries, one per database adapter."""


class DecodedEvents(Sequence[Any]):
    """The domain events of a page's rows, each decoded when it is reached.

    Decoding while iterating keeps one event's decoded state alive at a time instead of a page of
    them, which spares the garbage collector most of its work on a large page.
    """

    def __init__(self, rows: list[StoredRow], log: StoredLog) -> None:
        self._rows = rows
        self._log = log

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._decode(row) for row in self._rows[index]]
        return self._decode(self._rows[index])

    def __iter__(self) -> Iterator[Any]:
        decode = self._decode
        for row in self._rows:
            yield decode(row)

    def _decode(self, row: StoredRow) -> Any:
        _, version, topic, state = row
        cls = event_class(topic)
        event = decoded_event(cls, state, version, opener=self._log.opener)
        return self._log.by_mapper(row) if event is None else event


_seconds: dict[str, int] = {}


def unix_seconds(iso: str) -> int:
    """``int(datetime.fromisoformat(iso).timestamp())``, remembered per second of a recent past."""
    key = iso[:19] + iso[-6:]  # the fraction of a second does not count
    found = _seconds.get(key)
    if found is None:
        if len(_seconds) >= 4096:
            _seconds.clear()
        found = _seconds[key] = int(datetime.fromisoformat(iso).timestamp())
    return found


@dataclass(frozen=True)
class StoredPage:
    """Rows read from the log and the position the page reaches (gaps and skipped events included)."""

    rows: list[StoredRow]
    last: int
    log: StoredLog

    @property
    def events(self) -> DecodedEvents:
        """The page's domain events, decoded lazily."""
        return DecodedEvents(self.rows, self.log)

    def fields(self) -> Iterator[EventFields]:
        """Each event as (class, ``vars(event)``, Unix seconds), decoded as it is reached, with no event object.

        A plain JSON state keeps its timestamp as stored (the time is the third item) and has no
        ``originator_id``; any other state goes through the mapper (as ``EventReader`` does).
        """
        return stored_fields(self.rows, _decoding, unix_seconds, self.log.by_mapper, self.log.opener)


@lru_cache(maxsize=256)
def _decoding(topic: str) -> tuple[type[Any], bool]:
    """The class a topic names, and whether its stored state decodes as plain JSON (no upcasting)."""
    cls = event_class(topic)
    return cls, getattr(cls, "class_version", 1) == 1


class StoredLog:
    """Reads the log table with one lean query per page (no per-row objects before decoding).

    Only for stores whose events are stored as plain JSON: with a cipher or a compressor use
    ``EventReader``. Events are decoded like the application's mapper does, without ``originator_id``
    unless the mapper decodes them (projections key on the ``thread_id`` in the state), which
    spares reading it: on PostgreSQL a UUID object per row.
    """

    def __init__(self, app: Application[Any], handles: Iterable[type[Any]] | None = None) -> None:
        self.app = app
        self.topics = None if handles is None else sorted(get_topic(cls) for cls in handles)
        self.opener = opener_of(app)  # sealed content fields opened without the mapper
        recorder = app.recorder
        if not isinstance(recorder, LogRecorder):
            raise TypeError(f"{type(recorder).__name__} is not a recorder of this store's databases")
        self._postgres = isinstance(recorder, PostgresEventsRecorder)
        columns = "originator_version, topic, state"
        if isinstance(recorder, PostgresEventsRecorder):
            # No upper bound in the query: with one, the planner may sort the whole rest of the log
            # instead of walking the index (rows past the stop are cut here).
            topics = " AND topic = ANY(%s)" if self.topics else ""
            table = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'
            self._select = (
                f"SELECT notification_id, {columns} FROM {table}"
                f" WHERE notification_id > %s{topics} ORDER BY notification_id LIMIT %s"
            )
            self._select_originator = f"SELECT originator_id FROM {table} WHERE notification_id = %s"
        else:
            table = recorder.events_table_name
            topics = f" AND topic IN ({', '.join('?' for _ in self.topics)})" if self.topics else ""
            self._select = (
                f"SELECT rowid, {columns} FROM {table} WHERE rowid > ? AND rowid <= ?{topics} ORDER BY rowid LIMIT ?"
            )
            self._select_originator = f"SELECT originator_id FROM {table} WHERE rowid = ?"

    @staticmethod
    def supports(app: Application[Any]) -> bool:
        """Whether the application stores events as plain JSON, through a recorder this reader can query."""
        return stores_plain_json(app.mapper) and isinstance(app.recorder, LogRecorder)

    def head(self) -> int:
        """The position of the last event recorded."""
        return int(self.app.recorder.max_notification_id() or 0)

    def read(self, position: int, limit: int, stop: int | None = None) -> StoredPage:
        """Read up to ``limit`` rows after ``position`` (and not after ``stop``, by default the head).

        A short page reaches the stop, even when the last events were of other classes.
        """
        head = self.head() if stop is None else stop
        if head <= position:
            return StoredPage([], position, self)
        rows = self._select_rows(position, head, limit)
        return StoredPage(rows, rows[-1][0] if len(rows) == limit else head, self)

    def by_mapper(self, row: StoredRow) -> Any:
        """The domain event of a row as the application's mapper decodes it (its originator id read apart)."""
        notification_id, version, topic, state = row
        recorder: Any = self.app.recorder
        if self._postgres:
            with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
                curs.execute(self._select_originator, (notification_id,))
                found = curs.fetchone()
        else:
            with recorder.datastore.transaction(commit=False) as wrapper, wrapper as sqlite:
                sqlite.execute(self._select_originator, (notification_id,))
                found = sqlite.fetchone()
        return self.app.mapper.to_domain_event(StoredEvent(found[0], version, topic, state))

    def pages(self, position: int, limit: int, stop: int | None = None) -> Iterator[StoredPage]:
        """Read page after page until the log (or ``stop``) is reached, the next one while this one is used.

        The reading thread mostly needs the GIL while the caller is without it: waiting for
        PostgreSQL, or in SQLite writing the page before.
        """
        ready: queue.Queue[StoredPage | BaseException] = queue.Queue(maxsize=1)
        stopping = threading.Event()

        def fetch() -> None:
            start = position
            try:
                while not stopping.is_set():
                    page = self.read(start, limit, stop)
                    ready.put(page)
                    if page.last <= start:
                        return
                    start = page.last
            except BaseException as e:  # re-raised in the caller's thread
                ready.put(e)

        ahead = threading.Thread(target=fetch, name="log-reader", daemon=True)
        ahead.start()
        try:
            while True:
                found = ready.get()
                if isinstance(found, BaseException):
                    raise found
                if found.last <= position:
                    return
                position = found.last
                yield found
        finally:
            stopping.set()
            while ahead.is_alive():  # unblock a reader waiting to hand over its page
                with contextlib.suppress(queue.Empty):
                    ready.get(timeout=0.05)
            ahead.join()

    def _select_rows(self, position: int, head: int, limit: int) -> list[StoredRow]:
        recorder: Any = self.app.recorder
        if self._postgres:
            params: list[Any] = [position, *([self.topics] if self.topics else []), limit]
            with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row, binary=True) as curs:
                curs.execute(self._select, params, prepare=True)
                rows: list[StoredRow] = curs.fetchall()
            if rows and rows[-1][0] > head:
                del rows[bisect_right(rows, head, key=itemgetter(0)) :]
            return rows
        with recorder.datastore.transaction(commit=False) as wrapper, wrapper as sqlite:
            sqlite.row_factory = None
            sqlite.execute(self._select, [position, head, *(self.topics or ()), limit])
            return list(sqlite.fetchall())
