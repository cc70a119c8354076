"""Pins the library internals projections/storage/eventsourcing_internals.py relies on (creation at a time, the stored
JSON layout, the recorders' insert steps), so that a library upgrade fails here first."""

from __future__ import annotations

import inspect
from collections import namedtuple
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any
from uuid import uuid4

import orjson
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, TranscodingNotRegisteredError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg.sql import Composable

from domain.thread import Thread
from projections.storage.application import ThreadsApplication
from projections.storage.eventsourcing_internals import (
    LIBRARY_VERSION,
    PostgresEventsRecorder,
    SQLiteEventsRecorder,
    created_aggregate,
    custom_type_encoder,
    stores_plain_json,
)

ACTOR = {"tenant": "alpha", "key_id": "key_0123456789abcdef"}
WHEN = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def test_the_installed_library_is_the_release_the_internals_were_read_in() -> None:
    assert version("eventsourcing") == LIBRARY_VERSION == "9.5.6"


def parameters(function: Any) -> list[str]:
    """The parameters' names, ``**`` marking the keyword catch-all."""
    found = inspect.signature(function).parameters.values()
    return [("**" if p.kind is inspect.Parameter.VAR_KEYWORD else "") + p.name for p in found]


# An aggregate created at a given time (an import keeps a thread's created_at).


def test_create_takes_the_created_events_timestamp() -> None:
    assert parameters(Thread._create) == ["event_class", "id", "**kwargs"]
    thread = created_aggregate(
        Thread,
        Thread.Created,
        WHEN,
        thread_id="thread_" + "a" * 24,
        tenant="alpha",
        metadata={},
        tool_resources=None,
        actor=ACTOR,
    )
    assert type(thread) is Thread and thread.thread_id == "thread_" + "a" * 24 and thread.next_seq == 1  # __init__ ran
    assert thread.created_on == WHEN and thread.version == 1 and thread.id == Thread.create_id("thread_" + "a" * 24)
    [created] = thread.collect_events()
    assert type(created) is Thread.Created and created.timestamp == WHEN
    mapper = ThreadsApplication(env=POPO).mapper
    decoded = mapper.to_domain_event(mapper.to_stored_event(created))
    assert isinstance(decoded, Thread.Created) and decoded.timestamp == WHEN
    thread.create_message("msg_" + "b" * 24, "user", [], [], {}, ACTOR, timestamp=WHEN)
    assert thread.collect_events()[0].timestamp == WHEN


# The stored JSON layout, and the transcoder's private per-value encoder.


def test_encode_obj_writes_a_registered_type_as_type_and_data() -> None:
    assert parameters(JSONTranscoder._encode_obj) == ["self", "o"]
    transcoder = ThreadsApplication(env=POPO).mapper.transcoder
    assert isinstance(transcoder, JSONTranscoder)
    encode = custom_type_encoder(transcoder)
    assert encode(WHEN) == {"_type_": "datetime_iso", "_data_": WHEN.isoformat()}
    assert orjson.loads(transcoder.encode({"when": WHEN})) == {"when": encode(WHEN)}
    assert transcoder.decode(orjson.dumps({"when": encode(WHEN)})) == {"when": WHEN}
    with pytest.raises(TranscodingNotRegisteredError):
        encode(object())
    assert stores_plain_json(ThreadsApplication(env=POPO).mapper)
    assert not stores_plain_json(Mapper(transcoder=JSONTranscoder(), compressor=ZlibCompressor()))


# The recorders: SQLite through the documented hook, PostgreSQL mirroring the private insert step.


class RecordingSQLiteRecorder(SQLiteEventsRecorder):
    """Remembers what the hook was given, and fails on demand."""

    calls: list[tuple[list[int], dict[str, Any]]]
    fail = False

    def insert_views(self, cursor: SQLiteCursor, ids: Any, **kwargs: Any) -> None:
        self.calls.append((list(ids), kwargs))
        if self.fail:
            raise RuntimeError("the view write failed")


def stored_events(count: int) -> list[StoredEvent]:
    uid = uuid4()
    return [StoredEvent(uid, n, "domain.thread:Thread.Deleted", b"{}") for n in range(1, count + 1)]


def test_the_sqlite_hook_runs_in_the_insert_transaction_with_the_ids_and_save_arguments() -> None:
    assert parameters(SQLiteApplicationRecorder._insert_events) == ["self", "c", "stored_events", "**_"]
    recorder = RecordingSQLiteRecorder(SQLiteDatastore(f"file:{uuid4().hex}?mode=memory&cache=shared"))
    recorder.calls = []
    recorder.create_table()
    assert recorder.insert_events(stored_events(2), inline="hook") == [1, 2]
    assert recorder.calls == [([1, 2], {"inline": "hook"})]
    recorder.fail = True
    with pytest.raises(RuntimeError):
        recorder.insert_events(stored_events(3))
    assert recorder.max_notification_id() == 2  # the events went with the failed view write


class OfflineDatastore(PostgresDatastore):
    """A PostgreSQL datastore that never connects: composite types are stood in for by named tuples."""

    def register_type_adapters(self) -> None:
        for name in self.db_type_names:
            self.psycopg_python_types[name] = namedtuple(name, "originator_id originator_version topic state")


class RecordingCursor:
    """Keeps each statement executed, rendered, with its parameters."""

    def __init__(self, ids: list[int]) -> None:
        self.executed: list[tuple[bytes, Any]] = []
        self.ids = ids

    def execute(self, query: Any, params: Any = None, **_: Any) -> None:
        rendered = query.as_bytes(None) if isinstance(query, Composable) else query
        self.executed.append((rendered, params))

    def fetchall(self) -> list[dict[str, int]]:
        return [{"notification_id": i} for i in self.ids]


def test_the_postgres_insert_step_is_the_librarys_but_for_the_arrays() -> None:
    datastore = OfflineDatastore("db", "127.0.0.1", 5432, "user", "", lock_timeout=30, schema="public")
    recorder = PostgresEventsRecorder(datastore, events_table_name="msgstore_events")
    events = stored_events(3)
    expected = RecordingCursor([])
    PostgresApplicationRecorder._insert_stored_events(recorder, expected, events)  # type: ignore[arg-type]
    ours = RecordingCursor([7, 8, 9])
    assert recorder.insert_stored_events(None, ours, events) == [7, 8, 9]  # type: ignore[arg-type]
    assert ours.executed[:-1] == expected.executed[:-1]
    assert [statement for statement, _ in ours.executed[:-1]] == [
        b"SET LOCAL lock_timeout = '30s'",
        b'LOCK TABLE "public"."msgstore_events" IN EXCLUSIVE MODE',
        b'NOTIFY "msgstore_events"',
    ]
    # The library inserts one array of its composite type; ours the same rows as four arrays, into the same columns.
    library, arrays = expected.executed[-1][0], ours.executed[-1][0]
    assert library.endswith(b'FROM unnest(%s::"public"."stored_event_uuid"[]) RETURNING notification_id')
    assert arrays == (
        b'INSERT INTO "public"."msgstore_events" (originator_id, originator_version, topic, state)'
        b" SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) RETURNING notification_id"
    )
    assert b"(    originator_id, originator_version, topic, state)" in library
    rows = [(e.originator_id, e.originator_version, e.topic, e.state) for e in events]
    assert [tuple(row) for row in expected.executed[-1][1][0]] == rows
    assert list(zip(*ours.executed[-1][1], strict=True)) == rows
