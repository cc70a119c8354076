"""A thread's live changes name conversation items: created and deleted, beside the thread messages they are."""

from __future__ import annotations

from typing import Any

from domain.ids import conversation_id
from domain.states import Actor
from projections.messages.changes import ThreadChanges
from projections.store import MessageStore

ALPHA: Actor = {"tenant": "alpha", "key_id": "key_test"}
CALL: dict[str, Any] = {
    "type": "function_call",
    "call_id": "call_1",
    "name": "lookup",
    "arguments": "{}",
    "status": "completed",
}
USER: dict[str, Any] = {
    "type": "message",
    "role": "user",
    "status": "completed",
    "content": [{"type": "input_text", "text": "hi"}],
}
SYSTEM: dict[str, Any] = {
    "type": "message",
    "role": "system",
    "status": "completed",
    "content": [{"type": "input_text", "text": "be"}],
}


def test_items_stream_as_conversation_items_and_visible_messages_as_thread_messages(store: MessageStore) -> None:
    created = store.create_conversation(ALPHA, metadata={}, items=[]).result(30).body
    thread_id = "thread_" + created["id"].removeprefix("conv_")
    assert conversation_id(thread_id) == created["id"]
    items = [("fc_" + "a" * 24, CALL), ("msg_" + "b" * 24, USER), ("msg_" + "c" * 24, SYSTEM)]
    store.add_items(ALPHA, thread_id, items).result(30)
    store.delete_item(ALPHA, thread_id, "fc_" + "a" * 24).result(30)
    changes = ThreadChanges(store.database, store.app).after(thread_id, 1, 100)
    names = [[name for name, _ in change.events] for change in changes]
    assert names == [
        ["conversation.item.created"],
        ["thread.message.created", "conversation.item.created"],
        ["conversation.item.created"],
        ["conversation.item.deleted"],
    ]
    message = changes[1].events[0][1]
    assert message["object"] == "thread.message" and message["thread_id"] == thread_id
    assert message["content"] == [{"type": "text", "text": {"value": "hi", "annotations": []}}]
    assert changes[0].events[0][1] == {"id": "fc_" + "a" * 24, **CALL}
    assert changes[3].events[0][1] == {"id": "fc_" + "a" * 24, "object": "conversation.item.deleted", "deleted": True}
