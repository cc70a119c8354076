"""The temporal rows of messages one batch writes: each new state closes the open row and opens one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from projections.crypto.columns import is_sealed, sealed_json
from projections.history.contents import Content, expand, is_shape, shape_of, stored_shape
from projections.history.latest import StoredContents
from projections.history.state import MESSAGE_COLUMNS, MESSAGE_FIELDS, State, decode, encode, table
from projections.history.tables import HistoryTables
from projections.storage.batch import insert_rows, run
from projections.storage.columns import dumps
from projections.storage.sql import Cursor


@dataclass
class _Open:
    """The latest row of a message, pending in this batch or stored, and the content it stands for."""

    state: State | None  # None once deleted
    valid_from: int | None  # None: no row yet
    pending: dict[str, Any] | None = None
    content: Content = field(default_factory=list)  # the latest content, in full
    full: bool = True  # the row holds its content in full (a message's only row), else a shape
    since: int | None = None  # the stored latest content's ``since`` (None: none stored)


class MessageRows:
    """Message rows of one batch: new rows, the changes of stored ones (``valid_to``, content), latest contents.

    A message's only row holds its content; from its second row on, every row holds a shape and the
    latest content is stored once (``contents.py``, ``latest.py``). The rows depend only on the
    events, not on how they were batched, so a rebuild writes the same rows as the live projection.
    """

    def __init__(self, tables: HistoryTables, curs: Cursor) -> None:
        self.tables = tables
        self.curs = curs
        self._q = tables.dialect.q
        self._open_row = self._q(  # the open row, in one probe
            f"SELECT valid_from, deleted, {', '.join(MESSAGE_FIELDS)} FROM {tables.messages}"
            " WHERE message_id = %s ORDER BY valid_from DESC LIMIT 1"
        )
        self.contents = StoredContents(tables, curs)
        self._open: dict[str, _Open] = {}
        self._rows: list[dict[str, Any]] = []
        self._updates: dict[tuple[str, int], dict[str, Any]] = {}  # (message, valid_from) -> changed columns

    def start(self, message_id: str) -> None:
        """A message created by this batch: it has no earlier row to look up."""
        self._open[message_id] = _Open(None, None)

    def latest(self, message_id: str) -> State | None:
        """The message's latest state (None if deleted or unknown)."""
        return self._latest(message_id).state

    def put(self, message_id: str, version: int, state: State, *, deleted: bool) -> None:
        """Close the message's open row at ``version`` and open a new one for ``state``."""
        previous = self._latest(message_id)
        content: Content = state["content"]
        stored: list[Any] = content
        since = None
        if previous.valid_from is not None:
            changes: dict[str, Any] = {"valid_to": version}
            shape = shape_of(previous.content, content)
            if shape is None:  # not an extension: the shapes so far stand against a content that is going
                self._expand_shapes(message_id, previous.content)
                since = version
            else:
                since = previous.valid_from if previous.since is None else previous.since
                if previous.full:
                    changes["content"] = shape
            if previous.pending is not None:
                previous.pending.update(changes)
            else:
                self._updates.setdefault((message_id, previous.valid_from), {}).update(changes)
            self.contents.put(message_id, content, since)
            stored = shape_of(content, content) or []
        # content: encoded by flush
        row = {f: encode(state[f], f, message_id) for f in MESSAGE_FIELDS if f != "content"}
        row.update(content=stored, valid_from=version, valid_to=None, deleted=int(deleted))
        self._rows.append(row)
        self._open[message_id] = _Open(None if deleted else state, version, row, content, since is None, since)

    def flush(self) -> None:
        """Change the stored rows, then insert the new ones."""
        updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for (message_id, valid_from), changes in self._updates.items():
            columns = tuple(sorted(changes))
            values = (stored_content(changes[c], message_id) if c == "content" else changes[c] for c in columns)
            updates.setdefault(columns, []).append((*values, message_id, valid_from))
        for columns, params in updates.items():
            sets = ", ".join(f"{c} = %s" for c in columns)
            sql = f"UPDATE {self.tables.messages} SET {sets} WHERE message_id = %s AND valid_from = %s"
            run(self.curs, self._q(sql), params)
        for row in self._rows:
            row["content"] = stored_content(row["content"], row["message_id"])
        insert_rows(self.curs, self.tables.dialect, table(self.tables.messages, MESSAGE_COLUMNS), self._rows)
        self.contents.flush()

    def _latest(self, message_id: str) -> _Open:
        found = self._open.get(message_id)
        if found is None:
            self.curs.execute(self._open_row, (message_id,))
            row = self.curs.fetchone()
            if row is None:
                found = _Open(None, None)
            else:
                state = decode(row, MESSAGE_FIELDS)
                full, since = True, None
                # a shape, or [] (a shape too if a latest content is stored); a full content may be sealed
                if not (row["content"].startswith("[{") or is_sealed(row["content"])):
                    latest = self.contents.load(message_id)
                    if latest is not None:
                        (state["content"], since), full = latest, False
                    elif state["content"]:
                        raise LookupError(f"history: message {message_id} has shapes but no latest content")
                deleted = bool(row["deleted"])
                found = _Open(None if deleted else state, int(row["valid_from"]), None, state["content"], full, since)
            self._open[message_id] = found
        return found

    def _expand_shapes(self, message_id: str, latest: Content) -> None:
        """Give every shape of the message, stored or in this batch, its content cut from ``latest``."""
        for row in self._rows:
            if row["message_id"] == message_id and is_shape(row["content"]):
                row["content"] = expand(latest, row["content"])
        self.curs.execute(
            self._q(f"SELECT valid_from, content FROM {self.tables.messages} WHERE message_id = %s"), (message_id,)
        )
        for stored in self.curs.fetchall():
            key = (message_id, int(stored["valid_from"]))
            pending = self._updates.get(key, {})
            shape = pending["content"] if "content" in pending else stored_shape(stored["content"])
            if shape is not None and is_shape(shape):
                self._updates.setdefault(key, {})["content"] = expand(latest, shape)


def stored_content(content: Content, message_id: str) -> str:
    """A message row's content column: a shape as JSON, a full content sealed when the store encrypts."""
    return dumps(content) if not content or is_shape(content) else sealed_json(content, message_id)
