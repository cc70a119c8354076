"""The orjson transcoder writes byte for byte what eventsourcing's JSON transcoder writes, for every event."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import JSONTranscoder, Mapper

from domain.thread import Thread
from projections.storage.application import ThreadsApplication
from projections.storage.transcoder import FastJSONTranscoder

ACTOR = {"tenant": "alpha", "key_id": "key_0123456789abcdef"}


def transcoders() -> tuple[JSONTranscoder, FastJSONTranscoder]:
    app = ThreadsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    plain = JSONTranscoder()
    app.register_transcodings(plain)
    assert isinstance(app.mapper.transcoder, FastJSONTranscoder)
    return plain, app.mapper.transcoder


def a_busy_thread() -> Thread:
    thread = Thread(
        thread_id="thread_" + "a" * 24, tenant="alpha", metadata={"k": "ü"}, tool_resources=None, actor=ACTOR
    )
    thread.create_message(
        "msg_" + "b" * 24,
        actor=ACTOR,
        role="user",
        content=[{"type": "text", "text": {"value": 'héllo "quoted" \u2028 \\ 😀 \t', "annotations": []}}],
        attachments=[{"file_id": "file-1", "tools": [{"type": "file_search"}]}],
        metadata={"n": "1"},
    )
    thread.create_message(
        "msg_" + "c" * 24,
        actor=ACTOR,
        role="assistant",
        content=[],
        attachments=[],
        metadata={},
        assistant_id="asst_1",
        run_id="run_1",
        status="in_progress",
    )
    thread.append_to_message("msg_" + "c" * 24, [{"index": 0, "type": "text", "text": {"value": "part"}}], ACTOR)
    thread.mark_message_incomplete("msg_" + "c" * 24, "max_tokens", ACTOR)
    thread.modify_message("msg_" + "b" * 24, {"x": "y"}, ACTOR)
    thread.delete_message("msg_" + "b" * 24, ACTOR)
    thread.modify({"t": "2"}, {"code_interpreter": {"file_ids": []}}, ACTOR)
    thread.delete(ACTOR)
    return thread


def test_every_event_and_a_snapshot_encode_to_the_same_bytes() -> None:
    plain, fast = transcoders()
    thread = a_busy_thread()
    events = list(thread.collect_events())
    assert len(events) == 9
    mapper = Mapper[UUID](transcoder=plain)
    for event in events:
        state = mapper.to_stored_event(event).state
        assert fast.encode(plain.decode(state)) == state
    snapshot = Snapshot.take(thread)
    expected = Mapper[UUID](transcoder=plain).to_stored_event(snapshot).state
    assert Mapper[UUID](transcoder=fast).to_stored_event(snapshot).state == expected


class Status(StrEnum):
    DONE = "completed"


@pytest.mark.parametrize(
    "value",
    [
        {"id": uuid4()},
        {1: "a"},
        {"nested": {2: "b"}},
        {"status": Status.DONE, "when": datetime(2026, 11, 25, 12, 0, tzinfo=UTC), "n": 2**40},
    ],
)
def test_uuids_odd_keys_enums_and_dates_encode_as_the_library_does(value: dict[str, Any]) -> None:
    plain, fast = transcoders()
    assert fast.encode(value) == plain.encode(value)
    assert fast.decode(fast.encode(value)) == plain.decode(plain.encode(value))
