"""Importing what a user saved with the OpenAI SDK (``model_dump()`` of its objects): the same objects come back."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from openai.types.beta import Thread
from openai.types.beta.threads import Message
from openai.types.conversations import Conversation
from openai.types.conversations.conversation_item import ConversationItem
from pydantic import TypeAdapter

from domain.ids import canonical_thread_id, conversation_id
from projections.store import MessageStore
from tests.support.keys import TEST_MASTER_KEY
from tests.support.transfer import msgstore, saved_message

ITEM: TypeAdapter[ConversationItem] = TypeAdapter(ConversationItem)
T0 = 1_700_000_000


def thread_message(thread_id: str, n: int, role: str, content: list[dict[str, Any]], **fields: Any) -> Message:
    body = saved_message(f"msg_{secrets.token_hex(12)}", thread_id, T0 + n, role, content)
    return Message.model_validate(body | fields)


def text(value: str, *annotations: dict[str, Any]) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": list(annotations)}}


def saved_thread() -> tuple[Thread, list[Message]]:
    """A thread as the Assistants API returned it, with messages of every status and kind of content."""
    thread_id = f"thread_{secrets.token_hex(12)}"
    thread = Thread.model_validate(
        {
            "id": thread_id,
            "object": "thread",
            "created_at": T0,
            "metadata": {"customer": "42"},
            "tool_resources": {"code_interpreter": {"file_ids": ["file-a"]}, "file_search": None},
        }
    )
    citation = {
        "type": "file_citation",
        "text": "[1]",
        "file_citation": {"file_id": "file-b"},
        "start_index": 3,
        "end_index": 6,
    }
    run = {"assistant_id": "asst_1", "run_id": "run_1"}
    attachment = [{"file_id": "file-c", "tools": [{"type": "code_interpreter"}]}]
    image = {"type": "image_file", "image_file": {"file_id": "file-d"}}
    messages = [
        thread_message(thread_id, 1, "user", [text("hi"), image], attachments=attachment, metadata={"k": "v"}),
        thread_message(thread_id, 2, "assistant", [text("See [1]", citation)], completed_at=T0 + 3, **run),
        thread_message(
            thread_id,
            4,
            "assistant",
            [text("cut")],
            status="incomplete",
            incomplete_at=T0 + 5,
            incomplete_details={"reason": "max_tokens"},
            **run,
        ),
        thread_message(
            thread_id, 6, "user", [{"type": "image_url", "image_url": {"url": "https://e.com/i.png", "detail": "high"}}]
        ),
        thread_message(thread_id, 7, "assistant", [text("still typ")], status="in_progress", **run),
    ]
    return thread, messages


def saved_conversation() -> tuple[Conversation, list[ConversationItem]]:
    """A conversation as the Conversations API returned it, with message and other items."""
    conversation = Conversation.model_validate(
        {
            "id": f"conv_{secrets.token_hex(24)}",
            "object": "conversation",
            "created_at": T0 + 100,
            "metadata": {"a": "b"},
        }
    )
    suffix = secrets.token_hex(8)
    parts = [
        {"type": "input_text", "text": "weather?"},
        {"type": "input_image", "image_url": "https://e.com/m.png", "detail": "auto"},
    ]
    answer = [{"type": "output_text", "text": "Sunny.", "annotations": [], "logprobs": []}]
    items = [
        {
            "id": f"msg_{suffix}d",
            "type": "message",
            "role": "developer",
            "status": "completed",
            "content": [{"type": "input_text", "text": "terse"}],
        },
        {"id": f"msg_{suffix}u", "type": "message", "role": "user", "status": "completed", "content": parts},
        {"id": f"rs_{suffix}", "type": "reasoning", "summary": [{"type": "summary_text", "text": "look it up"}]},
        {
            "id": f"fc_{suffix}",
            "type": "function_call",
            "call_id": "call_9",
            "name": "weather",
            "arguments": "{}",
            "status": "completed",
        },
        {
            "id": f"fco_{suffix}",
            "type": "function_call_output",
            "call_id": "call_9",
            "output": "sun",
            "status": "completed",
        },
        {
            "id": f"msg_{suffix}a",
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": answer,
            "phase": "final_answer",
        },
    ]
    return conversation, [ITEM.validate_python(item) for item in items]


def test_saved_sdk_objects_import_as_the_same_objects(new_database: Callable[[], str], tmp_path: Path) -> None:
    thread, messages = saved_thread()
    conversation, items = saved_conversation()
    lines = [
        thread.model_dump() | {"messages": [m.model_dump() for m in messages]},
        conversation.model_dump() | {"items": [i.model_dump() for i in items]},
    ]
    path = tmp_path / "saved.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    url = new_database()
    result = msgstore(url, "import", str(path), "--tenant", "sdk")
    assert result.exit_code == 0, result.output
    store = MessageStore.open(url, master_key=TEST_MASTER_KEY)
    try:
        assert Thread.model_validate(store.thread("sdk", thread.id)) == thread
        listed = store.messages("sdk", thread.id, limit=100, order="asc").data
        assert [Message.model_validate(m) for m in listed] == messages
        c = canonical_thread_id(conversation.id)
        assert Conversation.model_validate(store.conversation("sdk", c)) == conversation
        assert [ITEM.validate_python(i) for i in store.item_page("sdk", c, limit=100, order="asc").data] == items
        # One log, two APIs: each is the other too; items have no time, so they take the conversation's.
        shown = store.messages("sdk", c, limit=100, order="asc").data
        assert [(m["id"], m["created_at"]) for m in shown] == [(items[1].id, T0 + 100), (items[5].id, T0 + 100)]
        assert store.conversation("sdk", thread.id)["id"] == conversation_id(thread.id)
        as_items = store.item_page("sdk", thread.id, limit=100, order="asc").data
        assert [i["id"] for i in as_items] == [m.id for m in messages]
        assert as_items[1]["content"][0]["annotations"] == [
            {"type": "file_citation", "file_id": "file-b", "filename": "", "index": 3}
        ]
        events = store.history.events(None, thread.id, limit=100, order="asc").data
        assert {e["actor"]["key_id"] for e in events} == {"import"}
    finally:
        store.close()
