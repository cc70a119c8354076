"""Pins what projections/storage/eventsourcing_internals.py relies on, so that a library upgrade fails here first."""

from __future__ import annotations

import inspect
from collections import namedtuple
from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import Aggregate, AggregateEvent, event
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    StoredEvent,
    TranscodingNotRegisteredError,
    find_id_convertor,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from psycopg.sql import Composable

from domain.thread import Thread
from projections.crypto.keyring import Keyring
from projections.crypto.master import MasterKey, new_master_key
from projections.crypto.sealing import field_opener
from projections.storage.application import ThreadsApplication
from projections.storage.connect import open_database
from projections.storage.eventsourcing_internals import (
    LIBRARY_VERSION,
    PostgresEventsRecorder,
    SQLiteEventsRecorder,
    StoredRow,
    created_aggregate,
    custom_type_encoder,
    decoded_event,
    stored_fields,
    stores_plain_json,
)
from tests.support.events import ThreadEvent, collect

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


@pytest.mark.parametrize(
    "state",
    [
        {"timestamp": WHEN, "id": uuid4()},  # another custom-typed value
        {"timestamp": WHEN, "amount": Decimal("1.5")},
        {"at": WHEN},  # a date that is not the timestamp
        {"timestamp": WHEN.isoformat()},  # no custom type at all
        {"timestamp": WHEN, "meta": {"_type_": "x"}},  # the layout's key in the state itself
    ],
)
def test_states_the_fast_paths_cannot_read_are_left_to_the_mapper(state: dict[str, Any]) -> None:
    transcoder = ThreadsApplication(env=POPO).mapper.transcoder
    encoded = transcoder.encode(state)
    assert decoded_event(Thread.Deleted, encoded, 1) is None
    mapped = every_event()[-1]
    row = (1, 1, "domain.thread:Thread.Deleted", encoded)
    found = list(stored_fields([row], lambda _: (Thread.Deleted, True), unix_seconds, lambda _: mapped))
    assert found == [(Thread.Deleted, vars(mapped), int(mapped.timestamp.timestamp()))]


def unix_seconds(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def unreachable(row: StoredRow) -> Any:
    raise AssertionError(f"the row went to the mapper: {row}")


# Every event of the thread decoded by the fast paths as the library's mapper decodes it.


def every_event() -> list[ThreadEvent]:
    thread = Thread(
        thread_id="thread_" + "a" * 24, tenant="alpha", metadata={"k": "ü"}, tool_resources=None, actor=ACTOR
    )
    user, assistant = "msg_" + "b" * 24, "msg_" + "c" * 24
    text = {"type": "text", "text": {"value": 'the mark in a string: "_type_" \u2028 😀', "annotations": []}}
    thread.create_message(user, "user", [text], [{"file_id": "file-1", "tools": []}], {"n": "1"}, ACTOR)
    for message_id in (assistant, "msg_" + "d" * 24):
        thread.create_message(message_id, "assistant", [], [], {}, ACTOR, status="in_progress")
    thread.append_to_message(assistant, [{"index": 0, "type": "text", "text": {"value": "part"}}], ACTOR)
    thread.complete_message(assistant, ACTOR)
    thread.mark_message_incomplete("msg_" + "d" * 24, "max_tokens", ACTOR)
    thread.modify_message(user, {"x": "y"}, ACTOR)
    thread.delete_message(user, ACTOR)
    call = {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}", "status": "completed"}
    thread.create_item("fc_" + "e" * 24, call, ACTOR)
    thread.delete_item("fc_" + "e" * 24, ACTOR)
    thread.modify({"t": "2"}, {"code_interpreter": {"file_ids": []}}, ACTOR)
    thread.erase_message("msg_" + "d" * 24, "a request", ACTOR)
    thread.delete(ACTOR)
    thread.erase("retention", ACTOR)
    return collect(thread)


@pytest.mark.parametrize("id_type", [UUID, str], ids=["uuid", "hex"])
def test_every_event_decodes_fast_to_what_the_mapper_decodes(id_type: type[Any]) -> None:
    classes = {cls for cls in vars(Thread).values() if isinstance(cls, type) and issubclass(cls, AggregateEvent)}
    assert {type(event) for event in every_event()} == classes - {Thread.Event}  # every class of event
    assert parameters(find_id_convertor) == ["domain_event_cls", "originator_id_cls"]  # ids as the mapper converts
    mapper = ThreadsApplication(env=POPO).mapper
    for recorded in every_event():
        stored = mapper.to_stored_event(recorded)
        originator_id = stored.originator_id if id_type is UUID else UUID(str(stored.originator_id)).hex
        stored = StoredEvent(originator_id, stored.originator_version, stored.topic, stored.state)
        expected = mapper.to_domain_event(stored)
        decoded = decoded_event(type(recorded), stored.state, stored.originator_version, originator_id)
        assert decoded is not None, f"{type(recorded).__qualname__} left the fast path"
        assert type(decoded) is type(expected)
        assert list(vars(decoded).items()) == list(vars(expected).items())  # the same keys, in the same order
        assert vars(decoded) == vars(recorded)
        without_id = decoded_event(type(recorded), stored.state, stored.originator_version)
        assert vars(without_id) == {k: v for k, v in vars(expected).items() if k != "originator_id"}
        row = (1, stored.originator_version, stored.topic, stored.state)
        [(cls, values, seconds)] = stored_fields([row], lambda _: (type(recorded), True), unix_seconds, unreachable)
        assert cls is type(recorded)
        stamp = recorded.timestamp
        assert seconds == int(stamp.timestamp())
        assert values == vars(without_id) | {"timestamp": {"_type_": "datetime_iso", "_data_": stamp.isoformat()}}


def test_sealed_events_decode_fast_to_what_the_mapper_decodes(tmp_path: Path) -> None:
    keyring = Keyring(open_database(f"sqlite:///{tmp_path / 'keys.db'}"), MasterKey.parse(new_master_key()))
    mapper = ThreadsApplication(env=POPO, keyring=keyring).mapper
    opener = field_opener(keyring.find)
    for recorded in every_event():
        stored = mapper.to_stored_event(recorded)
        expected = mapper.to_domain_event(stored)
        assert vars(expected) == vars(recorded)
        decoded = decoded_event(type(recorded), stored.state, stored.originator_version, stored.originator_id, opener)
        assert decoded is not None, f"{type(recorded).__qualname__} left the fast path"
        assert vars(decoded) == vars(expected)
        row = (1, stored.originator_version, stored.topic, stored.state)
        [(_, values, _)] = stored_fields([row], lambda _: (type(recorded), True), unix_seconds, unreachable, opener)
        assert {k: v for k, v in values.items() if k != "timestamp"} == {
            k: v for k, v in vars(expected).items() if k not in ("timestamp", "originator_id")
        }


class Counter(Aggregate):
    """An aggregate whose event has a second class version (upcast from the first)."""

    class Counted(Aggregate.Event):
        class_version = 2
        count: int
        unit: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["unit"] = "times"

    @event(Counted)
    def count(self, count: int, unit: str) -> None:
        """Count."""


def test_upcasting_follows_the_mapper() -> None:
    mapper = ThreadsApplication(env=POPO).mapper
    counter = Counter()
    counter.count(3, "times")
    current = counter.collect_events()[-1]
    stored = mapper.to_stored_event(current)
    assert orjson.loads(stored.state)["class_version"] == 2
    first = {k: v for k, v in orjson.loads(stored.state).items() if k not in ("class_version", "unit")}
    for state in (stored.state, orjson.dumps(first)):
        expected = mapper.to_domain_event(StoredEvent(stored.originator_id, 2, stored.topic, state))
        decoded = decoded_event(Counter.Counted, state, 2, stored.originator_id)
        assert list(vars(decoded).items()) == list(vars(expected).items())
        assert vars(decoded) == vars(current)


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
