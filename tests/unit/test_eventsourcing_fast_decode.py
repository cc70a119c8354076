"""The fast decode paths of projections/storage/eventsourcing_internals.py give what the library's mapper gives:
every thread event, plain or sealed, upcast, or left to the mapper when they cannot read it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.domain import Aggregate, AggregateEvent, event
from eventsourcing.persistence import StoredEvent, find_id_convertor

from domain.thread import Thread
from projections.crypto.keyring import Keyring
from projections.crypto.master import MasterKey, new_master_key
from projections.crypto.sealing import field_opener
from projections.storage.application import ThreadsApplication
from projections.storage.connect import open_database
from projections.storage.eventsourcing_internals import StoredRow, decoded_event, stored_fields
from tests.support.events import ThreadEvent, collect
from tests.unit.test_eventsourcing_internals import ACTOR, POPO, WHEN, parameters


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
