"""The rows one batch of events adds to the history tables, and the states they start from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from projections.crypto.columns import sealed_fields
from projections.history.message_rows import MessageRows
from projections.history.state import (
    EVENT_COLUMNS,
    PRELOAD_CHUNK,
    THREAD_COLUMNS,
    THREAD_FIELDS,
    State,
    decode,
    dumps_any,
    encode,
    table,
)
from projections.history.tables import HistoryTables
from projections.storage.batch import insert_rows
from projections.storage.columns import dumps
from projections.storage.sql import Cursor


@dataclass
class _Thread:
    tenant: str | None
    seq_high: int
    state: State | None = None
    loaded: bool = False

    @classmethod
    def standing(cls, row: Any) -> _Thread:
        """Where a thread stands from its latest event row (none: a thread the history has not seen)."""
        return cls(None, 0) if row is None else cls(row["tenant"], int(row["seq_high"]))


class HistoryBatch:
    """Collects the rows of one ``apply`` and writes them with one ``executemany`` per table.

    States a batch starts from are read from the tables (in the caller's transaction) the first time
    an event needs them, then followed in memory, so events of one batch may build on each other.
    """

    def __init__(self, tables: HistoryTables, curs: Cursor) -> None:
        self.tables = tables
        self.curs = curs
        q = tables.dialect.q
        self._q = q
        # One index probe for a thread's latest event (a join on max(version) would read every event of a long thread).
        self._latest = (
            f"SELECT thread_id, tenant, seq_high FROM {tables.events}"
            " WHERE thread_id = %s ORDER BY version DESC LIMIT 1"
        )
        self._threads: dict[str, _Thread] = {}
        self.messages = MessageRows(tables, curs)
        self._events: list[dict[str, Any]] = []
        self._thread_rows: list[dict[str, Any]] = []

    # --- states ------------------------------------------------------------------

    def start_thread(self, thread_id: str, tenant: str) -> None:
        self._threads[thread_id] = _Thread(tenant, 0, None, True)

    def start_message(self, message_id: str) -> None:
        """A message created by this batch: it has no earlier row to look up."""
        self.messages.start(message_id)

    def allocate_seq(self, thread_id: str, seq: int) -> None:
        track = self._thread(thread_id)
        track.seq_high = max(track.seq_high, seq)

    def thread(self, thread_id: str) -> State | None:
        """The thread's latest state (None if the history does not know it)."""
        track = self._thread(thread_id)
        if not track.loaded:
            self.curs.execute(
                self._q(
                    f"SELECT created_at, metadata, tool_resources FROM {self.tables.threads}"
                    " WHERE thread_id = %s ORDER BY valid_from DESC LIMIT 1"
                ),
                (thread_id,),
            )
            row = self.curs.fetchone()
            track.state = None if row is None else decode(row, THREAD_FIELDS)
            track.loaded = True
        return track.state

    def message(self, message_id: str) -> State | None:
        """The message's latest state (None if deleted or unknown)."""
        return self.messages.latest(message_id)

    def preload(self, thread_ids: Iterable[str]) -> None:
        """Read where each of these threads stands (tenant, highest seq) with one query, not one per thread."""
        unknown = [t for t in dict.fromkeys(thread_ids) if t not in self._threads]
        for start in range(0, len(unknown), PRELOAD_CHUNK):
            chunk = unknown[start : start + PRELOAD_CHUNK]
            latest = (f"SELECT * FROM ({self._latest}) AS latest_{i}" for i in range(len(chunk)))
            self.curs.execute(self._q(" UNION ALL ".join(latest)), chunk)
            found = {row["thread_id"]: row for row in self.curs.fetchall()}
            for thread_id in chunk:
                self._threads[thread_id] = _Thread.standing(found.get(thread_id))

    def _thread(self, thread_id: str) -> _Thread:
        track = self._threads.get(thread_id)
        if track is None:
            self.curs.execute(self._q(self._latest), (thread_id,))
            track = self._threads[thread_id] = _Thread.standing(self.curs.fetchone())
        return track

    # --- changes -----------------------------------------------------------------

    def put_thread(self, thread_id: str, version: int, state: State, *, deleted: bool) -> None:
        track = self._thread(thread_id)
        track.state, track.loaded = state, True
        row = {f: encode(state[f], f, thread_id) for f in THREAD_FIELDS}
        row.update(thread_id=thread_id, valid_from=version, tenant=track.tenant or "", deleted=int(deleted))
        self._thread_rows.append(row)

    def put_message(self, message_id: str, version: int, state: State, *, deleted: bool) -> None:
        """Close the message's open row at ``version`` and open a new one (see ``MessageRows.put``)."""
        self.messages.put(message_id, version, state, deleted=deleted)

    def record_event(
        self,
        thread_id: str,
        version: int,
        type_: str,
        message_id: str | None,
        actor: dict[str, Any],
        recorded_us: int,
        data: dict[str, Any],
    ) -> None:
        track = self._thread(thread_id)
        tenant = track.tenant or str(actor.get("tenant", ""))
        self._events.append(
            {
                "thread_id": thread_id,
                "version": version,
                "type": type_,
                "message_id": message_id,
                "tenant": tenant,
                "actor": dumps(actor),
                "recorded_us": recorded_us,
                "data": dumps_any(sealed_fields(data, message_id or thread_id)),
                "seq_high": track.seq_high,
            }
        )

    def flush(self) -> None:
        """Write the collected rows (by COPY on PostgreSQL when there are many)."""
        t, dialect = self.tables, self.tables.dialect
        self.messages.flush()
        insert_rows(self.curs, dialect, table(t.threads, THREAD_COLUMNS), self._thread_rows)
        insert_rows(self.curs, dialect, table(t.events, EVENT_COLUMNS), self._events)
