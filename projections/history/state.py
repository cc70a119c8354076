"""States of threads and messages as the history keeps them: their fields, columns and encodings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson

from projections.crypto.columns import loads, sealed_json
from projections.messages.columns import MESSAGE_BODY
from projections.storage.batch import Table
from projections.storage.columns import dumps

State = dict[str, Any]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PRELOAD_CHUNK = 100  # threads per query, well under SQLite's limits (parameters, compound selects)
MESSAGE_FIELDS = ("message_id", "thread_id", *MESSAGE_BODY)
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
        state[f] = loads(value) if f in JSON_FIELDS and value is not None else value
    return state


def encode(value: Any, field: str, key_id: str) -> Any:
    """The column value of a state field (content sealed under ``key_id`` when the store encrypts)."""
    if field not in JSON_FIELDS or value is None:
        return value
    return dumps(value) if field == "incomplete_details" else sealed_json(value, key_id)


@cache
def table(name: str, columns: tuple[str, ...]) -> Table:
    """A history table as the bulk writer sees it: its name, key (the first two columns) and columns."""
    return Table(name, columns[:2], columns)
