"""The one place that relies on eventsourcing's private internals, each reliance pinned by a unit test."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, find_id_convertor
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Connection, Cursor
from psycopg.sql import SQL, Composable, Identifier

LIBRARY_VERSION = "9.5.6"
"""The eventsourcing release this module was written against; upgrading means re-reading every pin."""

# The stored JSON layout. JSONTranscoder writes a value of a registered type (a datetime, a UUID…) as
# {"_type_": <transcoding name>, "_data_": <its encoding>} (its private _encode_obj) and reads it back
# with a json object_hook (_decode_obj). The fast paths below read that layout themselves.
TYPE_MARK = b'"_type_"'
DATETIME_TYPE = "datetime_iso"

# Bound once: each name costs a lookup per event in the loops below. find_id_convertor is the mapper's
# helper for originator ids (public by name, not documented API; typed for Hashable arguments).
_loads = orjson.loads
_from_iso = datetime.fromisoformat
_new = object.__new__
_set = object.__setattr__
_id_convertor: Any = find_id_convertor


A = TypeVar("A", bound=BaseAggregate[Any])


def created_aggregate(cls: type[A], event_class: type[Any], timestamp: datetime, **kwargs: Any) -> A:
    """A new aggregate of ``cls`` whose creation event (``event_class``, with ``kwargs``) happened at ``timestamp``.

    Private (Aggregate._create): calling the class runs its decorated __init__, which has no way to pass
    the Created event a timestamp; _create is what that call runs, and it takes one among the event's
    keyword arguments. An import that keeps a thread's ``created_at`` needs exactly that.
    """
    return cls._create(event_class, timestamp=timestamp, **kwargs)


def custom_type_encoder(transcoder: JSONTranscoder) -> Callable[[Any], dict[str, Any]]:
    """How ``transcoder`` writes one value of a registered type: ``{"_type_": name, "_data_": encoded}``."""
    # Private (_encode_obj): orjson needs this per-value step as its ``default``; the public encode() runs
    # the whole object through the json module: a 10,000-message thread's snapshot (0.43 MB) takes 2.27 ms
    # there against 0.09 ms through orjson (25 times faster; CPU time, best of 51, 9.5.6).
    return transcoder._encode_obj


def stores_plain_json(mapper: Mapper[Any]) -> bool:
    """Whether ``mapper`` stores events as the JSON the fast paths below read (no cipher, no compressor)."""
    return mapper.cipher is None and mapper.compressor is None and isinstance(mapper.transcoder, JSONTranscoder)


StoredRow = tuple[int, int, str, bytes]
"""(notification id, originator version, topic, state) as the log table holds them."""


Opener = Callable[[dict[str, Any]], int]
"""Replaces a decoded state's sealed values (``{"_type_": "sealed", …}``) by their values; returns how many."""


def stored_fields(
    rows: Iterable[StoredRow],
    decoding: Callable[[str], tuple[type[Any], bool]],
    seconds: Callable[[str], int],
    by_mapper: Callable[[StoredRow], Any],
    opener: Opener | None = None,
) -> Iterator[tuple[type[Any], dict[str, Any], int]]:
    """Each row as (class, its event's values, Unix seconds), decoded as it is reached, with no event object.

    ``decoding`` gives a topic's class and whether its state needs no upcasting, ``seconds`` turns the
    stored ISO time into Unix seconds, ``by_mapper`` decodes a row whose state holds a custom-typed value
    other than the timestamp. A state decoded here keeps its timestamp as stored and has no
    ``originator_id``. The loop is here whole: with a call per row into this module it ran 2-10% slower.
    ``opener`` opens sealed content fields (encryption at rest) the same way, without the mapper.
    """
    for row in rows:
        _, version, topic, state = row
        cls, plain = decoding(topic)
        marks = state.count(TYPE_MARK)
        if plain and (marks == 1 or (marks > 1 and opener is not None)):
            values: dict[str, Any] = _loads(state)
            if marks > 1 and opener is not None and opener(values) != marks - 1:  # another custom type
                event = by_mapper(row)
                yield cls, vars(event), int(event.timestamp.timestamp())
                continue
            stamp = values.get("timestamp")
            if type(stamp) is dict and stamp.get("_type_") == DATETIME_TYPE:
                values["originator_version"] = version
                yield cls, values, seconds(stamp["_data_"])
                continue
        event = by_mapper(row)
        yield cls, vars(event), int(event.timestamp.timestamp())


def decoded_event(
    cls: type[Any], state: bytes, version: int, originator_id: Any = None, opener: Opener | None = None
) -> Any:
    """The event of class ``cls`` the application's mapper decodes from a stored state, or None.

    None when the state holds a custom-typed value other than the timestamp: only the mapper decodes it
    then. Without ``originator_id`` the event has none (readers keyed on the state's ``thread_id`` spare
    reading it). Mapper.to_domain_event decodes with the json module, whose object hook runs for every
    object of the state; this uses orjson and one fromisoformat(), then builds the event as the mapper
    does, by setting ``__dict__`` on an uninitialised object: ``cls(**values)`` would run the frozen
    dataclass __init__, which costs most of what orjson saves. Measured on 4,200 of this store's events
    (200 threads of user messages and of streamed, completed assistant messages), CPU time, best of 31:
    mapper.to_domain_event 233,000-237,000 events/s; this 452,000-472,000/s (twice as fast); the same
    with ``cls(**values)`` 290,000-294,000/s; values only, no event (``stored_fields``) 675,000-678,000/s.
    ``opener`` opens sealed content fields (encryption at rest) as ``stored_fields`` does.
    """
    marks = state.count(TYPE_MARK)
    if marks != 1 and (marks < 1 or opener is None):
        return None
    values: dict[str, Any] = _loads(state)
    if marks > 1 and opener is not None and opener(values) != marks - 1:
        return None
    stamp = values.get("timestamp")
    if type(stamp) is not dict or stamp.get("_type_") != DATETIME_TYPE:
        return None
    values["timestamp"] = _from_iso(stamp["_data_"])
    if originator_id is not None:
        values["originator_id"] = _id_convertor(cls, type(originator_id))(originator_id)
    values["originator_version"] = version
    # Upcasting as the mapper does it (class_version and upcast_vN_vM are the library's documented convention).
    wanted = getattr(cls, "class_version", 1)
    found = values.pop("class_version", 1)
    while found < wanted:
        getattr(cls, f"upcast_v{found}_v{found + 1}")(values)
        found += 1
    event = _new(cls)
    _set(event, "__dict__", values)
    return event


class PostgresEventsRecorder(PostgresApplicationRecorder):
    """PostgreSQL's application recorder, its insert step callable in a transaction the caller opened.

    The library's insert_events() opens its transaction and pipeline itself, runs its hook before the
    events are inserted (their ids unknown) and syncs the pipeline once more: an adapter that writes views
    with the ids, in the same transaction, replaces insert_events() and calls ``insert_stored_events``.
    """

    _statements: list[bytes] | None = None  # the lock statements and the NOTIFY, rendered by the first batch
    _insert: bytes | None = None  # the insert of a batch's events as four arrays, rendered by the first batch

    def insert_stored_events(
        self, conn: Connection[Any], curs: Cursor[Any], stored_events: Sequence[StoredEvent]
    ) -> list[int]:
        """Lock the events table, notify listeners and insert the events; return their notification ids.

        What the library's private ``_insert_stored_events`` runs (with ``_lock_table`` and
        ``_notify_channel``), written with the recorder's public lock statements and the same insert given
        plain arrays (``_insert_arrays``) instead of overriding those methods; the statements are rendered
        once, not composed again for every batch.
        """
        statements, insert = self._statements, self._insert
        if statements is None or insert is None:
            notify = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
            statements = self._statements = [_render(s, conn) for s in [*self.lock_table_statements, notify]]
            insert = self._insert = _render(self._insert_arrays(), conn)
        for statement in statements:
            curs.execute(statement)
        curs.execute(
            insert,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
        )
        return [row["notification_id"] for row in curs.fetchall()]

    def _insert_arrays(self) -> Composable:
        """The library's insert, given the events as four arrays of plain types, not one of its composite type.

        psycopg dumps an array of a composite type in Python, field by field: 10% of the server's CPU
        under 16 clients creating messages (py-spy, GIL held); arrays of uuid, bigint, text and bytea
        are dumped in C. The rows are inserted in the arrays' order, as the library's unnest inserts them.
        """
        return SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::{id_type}[], %s::bigint[], %s::text[], %s::bytea[]) RETURNING notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
            id_type=SQL(self.datastore.originator_id_type),
        )


class SQLiteEventsRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder, extended through the library's hook for writes in the events' transaction."""

    def insert_views(self, cursor: SQLiteCursor, ids: Sequence[int], **kwargs: Any) -> None:
        """Write what belongs in the transaction recording the events ``ids`` (``kwargs`` as given to ``save()``)."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Private by name only: the library documents _insert_events as the hook for writing in the events'
        # transaction (its process recorder writes tracking with it); insert_events() calls it in its
        # transaction, with save()'s keyword arguments. There is no public hook.
        ids = list(super()._insert_events(c, stored_events, **kwargs) or [])
        self.insert_views(c, ids, **kwargs)
        return ids


def _render(statement: object, conn: Any) -> bytes:
    if isinstance(statement, Composable):
        return statement.as_bytes(conn)
    if isinstance(statement, str):
        return statement.encode()
    if isinstance(statement, bytes):
        return statement
    raise TypeError(f"cannot render {statement!r}")
