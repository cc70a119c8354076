"""The rows one batch of events adds to the history tables, and the states they start from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson

from projections.history.tables import HistoryTables
from projections.storage.batch import Table, insert_rows, run
from projections.storage.columns import dumps
from projections.storage.sql import Cursor

State = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PRELOAD_CHUNK = 100  # threads per query, well under SQLite's limits (parameters, compound selects)
MESSAGE_FIELDS = (
    "message_id",
    "thread_id",
    "seq",
    "created_at",
    "role",
    "content",
    "attachments",
    "metadata",
    "status",
    "assistant_id",
    "run_id",
    "completed_at",
    "incomplete_at",
    "incomplete_details",
)
JSON_FIELDS = frozenset({"content", "attachments", "metadata", "incomplete_details", "tool_resources"})
THREAD_FIELDS = ("created_at", "metadata", "tool_resources")
# Column order of the inserts; the first two columns are each table's key.
MESSAGE_COLUMNS = ("message_id", "valid_from", "valid_to", "deleted", *MESSAGE_FIELDS[1:])
THREAD_COLUMNS = ("thread_id", "valid_from", "tenant", "deleted", *THREAD_FIELDS)
EVENT_COLUMNS = ("thread_id", "version", "type", "message_id", "tenant", "actor", "recorded_us", "data", "seq_high")


def microseconds(moment: datetime) -> int:
    """Exact microseconds since the Unix epoch of an aware datetime."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def dumps_any(value: Any) -> str:
    """Serialize event data, turning values JSON does not know into strings."""
    return orjson.dumps(value, default=str).decode()


def decode(row: Any, fields: tuple[str, ...]) -> State:
    """Read the named columns of a row, parsing the JSON ones."""
    state: State = {}
    for f in fields:
        value = row[f]
        state[f] = orjson.loads(value) if f in JSON_FIELDS and value is not None else value
    return state


def encode(value: Any, field: str) -> Any:
    """The column value of a state field."""
    return dumps(value) if field in JSON_FIELDS and value is not None else value


@dataclass
class _Thread:
    tenant: str | None
    seq_high: int
    state: State | None = None
    loaded: bool = False


@dataclass
class _Open:
    """The open (latest) row of a message: pending in this batch, or in the database."""

    state: State | None
    valid_from: int | None
    pending: dict[str, Any] | None = None


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
        self._threads: dict[str, _Thread] = {}
        self._messages: dict[str, _Open] = {}
        self._events: list[dict[str, Any]] = []
        self._thread_rows: list[dict[str, Any]] = []
        self._message_rows: list[dict[str, Any]] = []
        self._closes: list[tuple[int, str, int]] = []

    # --- states ------------------------------------------------------------------

    def start_thread(self, thread_id: str, tenant: str) -> None:
        self._threads[thread_id] = _Thread(tenant, 0, None, True)

    def start_message(self, message_id: str) -> None:
        """A message created by this batch: it has no earlier row to look up."""
        self._messages[message_id] = _Open(None, None)

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
        found = self._messages.get(message_id)
        if found is None:
            self.curs.execute(
                self._q(
                    f"SELECT valid_from, deleted, {', '.join(MESSAGE_FIELDS)} FROM {self.tables.messages}"
                    " WHERE message_id = %s AND valid_to IS NULL"
                ),
                (message_id,),
            )
            row = self.curs.fetchone()
            if row is None:
                found = _Open(None, None)
            else:
                state = None if row["deleted"] else decode(row, MESSAGE_FIELDS)
                found = _Open(state, int(row["valid_from"]))
            self._messages[message_id] = found
        return found.state

    def preload(self, thread_ids: Iterable[str]) -> None:
        """Read where each of these threads stands (tenant, highest seq) with one query, not one per thread."""
        unknown = [t for t in dict.fromkeys(thread_ids) if t not in self._threads]
        for start in range(0, len(unknown), PRELOAD_CHUNK):
            chunk = unknown[start : start + PRELOAD_CHUNK]
            # One index probe per thread for its latest event (a join on max(version) would read every
            # event of a long thread).
            latest = (
                f"SELECT * FROM (SELECT thread_id, tenant, seq_high FROM {self.tables.events}"
                " WHERE thread_id = %s ORDER BY version DESC LIMIT 1) AS latest_{}"
            )
            self.curs.execute(self._q(" UNION ALL ".join(latest.format(i) for i in range(len(chunk)))), chunk)
            found = {row["thread_id"]: row for row in self.curs.fetchall()}
            for thread_id in chunk:
                row = found.get(thread_id)
                self._threads[thread_id] = (
                    _Thread(None, 0) if row is None else _Thread(row["tenant"], int(row["seq_high"]))
                )

    def _thread(self, thread_id: str) -> _Thread:
        track = self._threads.get(thread_id)
        if track is None:
            self.curs.execute(
                self._q(
                    f"SELECT tenant, seq_high FROM {self.tables.events} WHERE thread_id = %s"
                    " ORDER BY version DESC LIMIT 1"
                ),
                (thread_id,),
            )
            row = self.curs.fetchone()
            track = _Thread(None, 0) if row is None else _Thread(row["tenant"], int(row["seq_high"]))
            self._threads[thread_id] = track
        return track

    # --- changes -----------------------------------------------------------------

    def put_thread(self, thread_id: str, version: int, state: State, *, deleted: bool) -> None:
        track = self._thread(thread_id)
        track.state, track.loaded = state, True
        row = {f: encode(state[f], f) for f in THREAD_FIELDS}
        row.update(thread_id=thread_id, valid_from=version, tenant=track.tenant or "", deleted=int(deleted))
        self._thread_rows.append(row)

    def put_message(self, message_id: str, version: int, state: State, *, deleted: bool) -> None:
        """Close the message's open row at ``version`` and open a new one from it."""
        self.message(message_id)
        previous = self._messages[message_id]
        if previous.pending is not None:
            previous.pending["valid_to"] = version
        elif previous.valid_from is not None:
            self._closes.append((version, message_id, previous.valid_from))
        row = {**{f: encode(state[f], f) for f in MESSAGE_FIELDS}, "valid_from": version, "valid_to": None}
        row["deleted"] = int(deleted)
        self._message_rows.append(row)
        self._messages[message_id] = _Open(None if deleted else state, version, row)

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
                "data": dumps_any(data),
                "seq_high": track.seq_high,
            }
        )

    def flush(self) -> None:
        """Write the collected rows (by COPY on PostgreSQL when there are many)."""
        t, dialect = self.tables, self.tables.dialect
        close = f"UPDATE {t.messages} SET valid_to = %s WHERE message_id = %s AND valid_from = %s"
        run(self.curs, dialect.q(close), self._closes)
        insert_rows(self.curs, dialect, _table(t.messages, MESSAGE_COLUMNS), self._message_rows)
        insert_rows(self.curs, dialect, _table(t.threads, THREAD_COLUMNS), self._thread_rows)
        insert_rows(self.curs, dialect, _table(t.events, EVENT_COLUMNS), self._events)


@cache
def _table(name: str, columns: tuple[str, ...]) -> Table:
    return Table(name, columns[:2], columns)
