"""The audit history covers conversation items: their events, and versions of the messages the Threads API shows."""

from __future__ import annotations

from typing import Any

from domain.states import Actor
from projections.history.queries import PointInTime
from projections.store import MessageStore

ALPHA: Actor = {"tenant": "alpha", "key_id": "key_a"}
USER: dict[str, Any] = {
    "type": "message",
    "role": "user",
    "status": "completed",
    "content": [{"type": "input_text", "text": "hello"}],
}
CALL: dict[str, Any] = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "status": "completed"}


def test_items_appear_in_the_events_and_message_items_have_versions(store: MessageStore) -> None:
    created = store.create_conversation(ALPHA, metadata={}, items=[]).result(30).body
    thread_id = "thread_" + created["id"].removeprefix("conv_")
    message_id, call_id = "msg_" + "h" * 24, "fc_" + "h" * 24
    store.add_items(ALPHA, thread_id, [(message_id, USER), (call_id, CALL)]).result(30)
    store.modify_message(ALPHA, thread_id, message_id, metadata={"k": "v"}).result(30)
    store.delete_item(ALPHA, thread_id, call_id).result(30)
    store.delete_item(ALPHA, thread_id, message_id).result(30)
    events = store.history.events("alpha", thread_id, limit=100, order="asc").data
    assert [(e["type"], e["message_id"]) for e in events] == [
        ("thread.created", None),
        ("conversation.item.created", message_id),
        ("conversation.item.created", call_id),
        ("thread.message.modified", message_id),
        ("conversation.item.deleted", call_id),
        ("thread.message.deleted", message_id),
    ]
    assert events[2]["data"]["item"] == {"id": call_id, **CALL}
    versions = store.history.versions("alpha", thread_id, message_id, limit=10, order="asc").data
    assert [v["event_type"] for v in versions] == [
        "conversation.item.created",
        "thread.message.modified",
        "thread.message.deleted",
    ]
    assert versions[0]["message"]["content"] == [{"type": "text", "text": {"value": "hello", "annotations": []}}]
    assert versions[1]["message"]["metadata"] == {"k": "v"}
    before = store.history.messages_at("alpha", thread_id, PointInTime(version=4), limit=10, order="asc").data
    assert [m["id"] for m in before] == [message_id]  # the function call has no Assistants form
