"""The history's versions and points in time through the store: runtime messages streamed in, deleted threads
audited by their owner only, and instants outside a thread's life."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import MessageNotFound, ThreadNotFound
from domain.ids import key_identifier
from projections.history.queries import InvalidPointInTime, PointInTime
from projections.history.tables import HistoryTables
from projections.store import MessageStore, NewMessage

ALPHA = {"tenant": "alpha", "key_id": key_identifier("sk-alpha")}
RUNTIME = {"tenant": "alpha", "key_id": key_identifier("sk-runtime")}
BETA = {"tenant": "beta", "key_id": key_identifier("sk-beta")}


def text(value: str, **kwargs: Any) -> NewMessage:
    return NewMessage(role="user", content=[{"type": "text", "text": {"value": value, "annotations": []}}], **kwargs)


def delta(value: str) -> list[dict[str, Any]]:
    return [{"index": 0, "type": "text", "text": {"value": value}}]


def new_thread(store: MessageStore, actor: dict[str, str] = ALPHA, *messages: NewMessage) -> str:
    body = store.create_thread(actor, metadata={}, tool_resources=None, messages=list(messages)).result(timeout=30)
    return str(body.body["id"])


def dump(store: MessageStore) -> dict[str, list[tuple[Any, ...]]]:
    store.history.ensure_up_to_date()  # the projection is asynchronous: as a read of it would find it
    tables = HistoryTables(store.database.dialect)
    found = {}
    with store.database.read() as curs:
        for table in (tables.events, tables.threads, tables.messages):
            curs.execute(f"SELECT * FROM {table}")
            found[table] = sorted(tuple(dict(row).values()) for row in curs.fetchall())
    return found


def test_a_streamed_reply_has_a_version_per_delta_and_replays_mid_stream(store: MessageStore) -> None:
    thread_id = new_thread(store, ALPHA, text("question"))
    streamed = NewMessage(role="assistant", content=[], assistant_id="asst_1", run_id="run_1", status="in_progress")
    message_id = store.create_message(RUNTIME, thread_id, streamed).result(timeout=30).body["id"]
    store.append_to_message(RUNTIME, thread_id, message_id, delta("Hel")).result(timeout=30)
    store.append_to_message(RUNTIME, thread_id, message_id, delta("lo")).result(timeout=30)
    store.complete_message(RUNTIME, thread_id, message_id).result(timeout=30)
    failed = store.create_message(RUNTIME, thread_id, streamed).result(timeout=30).body["id"]
    store.mark_message_incomplete(RUNTIME, thread_id, failed, "max_tokens").result(timeout=30)

    history = store.history
    versions = history.versions("alpha", thread_id, message_id, limit=10, order="asc").data
    assert [v["event_type"] for v in versions] == [
        "thread.message.created",
        "thread.message.delta",
        "thread.message.delta",
        "thread.message.completed",
    ]
    assert [[b["text"]["value"] for b in v["message"]["content"]] for v in versions] == [
        [],
        ["Hel"],
        ["Hello"],
        ["Hello"],
    ]
    assert [v["message"]["status"] for v in versions] == ["in_progress"] * 3 + ["completed"]
    assert all(v["actor"] == RUNTIME for v in versions)
    events = history.events("alpha", thread_id, limit=20, order="asc", message_id=message_id).data
    assert events[1]["data"] == {"delta": {"content": delta("Hel")}}
    assert events[3]["data"]["status"] == {"before": "in_progress", "after": "completed"}
    mid = history.messages_at("alpha", thread_id, PointInTime(version=versions[1]["version"]), limit=10, order="asc")
    assert mid.data[-1]["content"][0]["text"]["value"] == "Hel"
    # At the latest version, the history shows exactly what the live view serves.
    head = history.events("alpha", thread_id, limit=1, order="desc").data[0]["version"]
    at_head = history.messages_at("alpha", thread_id, PointInTime(version=head), limit=10, order="asc").data
    assert at_head == store.messages("alpha", thread_id, limit=10, order="asc").data
    assert at_head[-1]["incomplete_details"] == {"reason": "max_tokens"}
    assert history.thread_at("alpha", thread_id, PointInTime(version=head)) == store.thread("alpha", thread_id)


def test_a_deleted_thread_stays_auditable_by_its_owner_only(store: MessageStore) -> None:
    thread_id = new_thread(store, ALPHA, text("secret"))
    message_id = store.messages("alpha", thread_id, limit=1, order="asc").data[0]["id"]
    store.modify_message(ALPHA, thread_id, message_id, metadata={"k": "v"}).result(timeout=30)
    store.delete_message(ALPHA, thread_id, message_id).result(timeout=30)
    store.delete_thread(ALPHA, thread_id).result(timeout=30)
    with pytest.raises(ThreadNotFound):
        store.thread("alpha", thread_id)

    events = store.history.events("alpha", thread_id, limit=10, order="asc").data
    assert [e["type"] for e in events] == [
        "thread.created",
        "thread.message.created",
        "thread.message.modified",
        "thread.message.deleted",
        "thread.deleted",
    ]
    deleted = events[3]
    assert deleted["actor"] == ALPHA and deleted["message_id"] == message_id
    assert deleted["data"]["message"]["content"][0]["text"]["value"] == "secret"
    assert deleted["data"]["message"]["metadata"] == {"k": "v"}
    assert events[2]["data"] == {"metadata": {"before": {}, "after": {"k": "v"}}}
    last = store.history.versions("alpha", thread_id, message_id, limit=1, order="desc").data[0]
    assert last["deleted"] is True and last["event_id"] == deleted["id"]
    assert store.history.thread_at("alpha", thread_id, PointInTime(version=4))["id"] == thread_id
    assert [
        m["id"]
        for m in store.history.messages_at("alpha", thread_id, PointInTime(version=3), limit=5, order="asc").data
    ] == [message_id]
    with pytest.raises(ThreadNotFound):
        store.history.thread_at("alpha", thread_id, PointInTime(version=5))

    for call in (
        lambda: store.history.events("beta", thread_id, limit=10, order="asc"),
        lambda: store.history.versions("beta", thread_id, message_id, limit=10, order="asc"),
        lambda: store.history.thread_at("beta", thread_id, PointInTime(version=1)),
        lambda: store.history.messages_at("beta", thread_id, PointInTime(version=2), limit=5, order="asc"),
    ):
        with pytest.raises(ThreadNotFound):
            call()


def test_points_in_time_outside_the_thread_life(store: MessageStore) -> None:
    thread_id = new_thread(store, ALPHA, text("one"))
    before = int(datetime(2001, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
    with pytest.raises(ThreadNotFound):
        store.history.thread_at("alpha", thread_id, PointInTime(at_us=before))
    later = PointInTime(at_us=int(datetime(2999, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000)
    assert store.history.thread_at("alpha", thread_id, later) == store.thread("alpha", thread_id)
    with pytest.raises(InvalidPointInTime) as raised:
        store.history.thread_at("alpha", thread_id, PointInTime(version=3))
    assert raised.value.param == "version"
    with pytest.raises(MessageNotFound):
        store.history.versions("alpha", thread_id, "msg_nope", limit=5, order="asc")
    with pytest.raises(ThreadNotFound):
        store.history.events("alpha", "thread_nope", limit=5, order="asc")
