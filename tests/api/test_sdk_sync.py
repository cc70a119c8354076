"""Every call of client.beta.threads and client.beta.threads.messages through the sync SDK, on both databases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import httpx
import openai
import pytest
from openai import OpenAI
from openai.types.beta.threads import (
    ImageFileContentBlock,
    ImageURLContentBlock,
    Message,
    MessageContentPartParam,
    TextContentBlock,
)

from tests.support.sdk import block, text_of

MESSAGE_KEYS = {
    "id",
    "object",
    "created_at",
    "thread_id",
    "status",
    "incomplete_details",
    "completed_at",
    "incomplete_at",
    "role",
    "content",
    "assistant_id",
    "run_id",
    "attachments",
    "metadata",
}
PARTS: list[MessageContentPartParam] = [
    {"type": "text", "text": "Look at these"},
    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
    {"type": "image_file", "image_file": {"file_id": "file-abc"}},
]


def texts(messages: Iterable[Message]) -> list[str]:
    return [text_of(m) for m in messages]


def test_create_a_thread_without_arguments(client: OpenAI, http: httpx.Client) -> None:
    thread = client.beta.threads.create()
    assert re.fullmatch(r"thread_[A-Za-z0-9_-]{24,}", thread.id)
    assert thread.object == "thread" and isinstance(thread.created_at, int)
    assert thread.metadata == {}
    raw = http.get(f"/v1/threads/{thread.id}").json()
    assert raw == {
        "id": thread.id,
        "object": "thread",
        "created_at": thread.created_at,
        "tool_resources": {},
        "metadata": {},
    }


def test_thread_lifecycle(client: OpenAI) -> None:
    thread = client.beta.threads.create(
        messages=[{"role": "user", "content": "Hello"}, {"role": "assistant", "content": PARTS}],
        metadata={"customer": "c-1"},
        tool_resources={"code_interpreter": {"file_ids": ["file-1"]}},
    )
    assert thread.metadata == {"customer": "c-1"}
    assert thread.tool_resources is not None and thread.tool_resources.code_interpreter is not None
    assert thread.tool_resources.code_interpreter.file_ids == ["file-1"]
    assert client.beta.threads.retrieve(thread.id) == thread
    listed = client.beta.threads.messages.list(thread.id, order="asc").data
    assert [m.role for m in listed] == ["user", "assistant"]
    assert texts(listed[:1]) == ["Hello"]
    modified = client.beta.threads.update(thread.id, metadata={"customer": "c-2", "tier": "gold"})
    assert modified.metadata == {"customer": "c-2", "tier": "gold"}
    assert modified.tool_resources == thread.tool_resources  # untouched when not sent
    modified = client.beta.threads.update(thread.id, tool_resources={"file_search": {"vector_store_ids": ["vs_1"]}})
    assert modified.metadata == {"customer": "c-2", "tier": "gold"}
    assert modified.tool_resources is not None and modified.tool_resources.file_search is not None
    assert modified.tool_resources.file_search.vector_store_ids == ["vs_1"]
    assert client.beta.threads.retrieve(thread.id) == modified
    deleted = client.beta.threads.delete(thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve(thread.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.list(thread.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.delete(thread.id)


def test_message_lifecycle(client: OpenAI, http: httpx.Client) -> None:
    thread = client.beta.threads.create()
    message = client.beta.threads.messages.create(
        thread.id,
        role="user",
        content="What is in the file?",
        attachments=[{"file_id": "file-9", "tools": [{"type": "file_search"}, {"type": "code_interpreter"}]}],
        metadata={"source": "web"},
    )
    assert re.fullmatch(r"msg_[A-Za-z0-9_-]{24,}", message.id)
    assert (message.object, message.thread_id, message.role, message.status) == (
        "thread.message",
        thread.id,
        "user",
        "completed",
    )
    assert message.content[0].type == "text"
    text = block(message, 0, TextContentBlock).text
    assert (text.value, text.annotations) == ("What is in the file?", [])
    assert message.attachments is not None and message.attachments[0].tools is not None
    assert [t.type for t in message.attachments[0].tools] == ["file_search", "code_interpreter"]
    assert (message.assistant_id, message.run_id, message.metadata) == (None, None, {"source": "web"})
    raw = http.get(f"/v1/threads/{thread.id}/messages/{message.id}").json()
    assert set(raw) == MESSAGE_KEYS
    assert raw["incomplete_details"] is None and raw["incomplete_at"] is None
    assert client.beta.threads.messages.retrieve(message.id, thread_id=thread.id) == message
    updated = client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"source": "app"})
    assert updated.metadata == {"source": "app"}
    assert updated.content == message.content and updated.created_at == message.created_at
    assert client.beta.threads.messages.retrieve(message.id, thread_id=thread.id).metadata == {"source": "app"}
    deleted = client.beta.threads.messages.delete(message.id, thread_id=thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (message.id, "thread.message.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={})
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.messages.delete(message.id, thread_id=thread.id)
    assert client.beta.threads.messages.list(thread.id).data == []


def test_content_parts_come_back_as_given(client: OpenAI) -> None:
    thread = client.beta.threads.create()
    message = client.beta.threads.messages.create(thread.id, role="assistant", content=PARTS)
    assert [c.type for c in message.content] == ["text", "image_url", "image_file"]
    assert text_of(message) == "Look at these"
    image_url = block(message, 1, ImageURLContentBlock).image_url
    assert (image_url.url, image_url.detail) == (
        "https://example.com/cat.png",
        "low",
    )
    assert block(message, 2, ImageFileContentBlock).image_file.file_id == "file-abc"
    assert message.attachments == []


def test_list_order_limit_and_shape(client: OpenAI, http: httpx.Client) -> None:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"m{i}"} for i in range(5)])
    page = client.beta.threads.messages.list(thread.id)
    assert texts(page.data) == ["m4", "m3", "m2", "m1", "m0"]  # newest first by default
    assert page.has_more is False
    page = client.beta.threads.messages.list(thread.id, order="asc", limit=2)
    assert texts(page.data) == ["m0", "m1"] and page.has_more is True
    raw = http.get(f"/v1/threads/{thread.id}/messages", params={"limit": 5, "order": "asc"}).json()
    assert set(raw) == {"object", "data", "first_id", "last_id", "has_more"}
    assert raw["object"] == "list" and raw["has_more"] is False  # exactly full
    assert (raw["first_id"], raw["last_id"]) == (raw["data"][0]["id"], raw["data"][-1]["id"])
    last = raw["data"][-1]["id"]
    empty = http.get(f"/v1/threads/{thread.id}/messages", params={"after": last, "order": "asc"}).json()
    assert empty == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


def test_auto_pagination_visits_everything_once(client: OpenAI) -> None:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"m{i}"} for i in range(25)])
    expected = [f"m{i}" for i in range(25)]
    assert texts(client.beta.threads.messages.list(thread.id, order="asc", limit=10)) == expected
    assert texts(client.beta.threads.messages.list(thread.id, limit=7)) == expected[::-1]
    pages = list(client.beta.threads.messages.list(thread.id, order="asc", limit=10).iter_pages())
    assert [len(p.data) for p in pages] == [10, 10, 5]


def test_auto_pagination_with_before_terminates(client: OpenAI) -> None:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": f"m{i}"} for i in range(12)])
    ids = [m.id for m in client.beta.threads.messages.list(thread.id, order="asc", limit=100).data]
    # before alone: the page just before the cursor; the SDK then asks after=<last>, before kept: empty.
    assert texts(client.beta.threads.messages.list(thread.id, order="asc", limit=3, before=ids[10])) == [
        "m7",
        "m8",
        "m9",
    ]
    between = client.beta.threads.messages.list(thread.id, order="asc", limit=2, after=ids[1], before=ids[9])
    assert texts(between) == [f"m{i}" for i in range(2, 9)]
    between = client.beta.threads.messages.list(thread.id, order="desc", limit=2, after=ids[9], before=ids[1])
    assert texts(between) == [f"m{i}" for i in range(8, 1, -1)]


def test_another_tenant_sees_nothing(client: OpenAI, other_client: OpenAI) -> None:
    thread = client.beta.threads.create()
    message = client.beta.threads.messages.create(thread.id, role="user", content="private")
    calls: list[Callable[[], object]] = [
        lambda: other_client.beta.threads.retrieve(thread.id),
        lambda: other_client.beta.threads.update(thread.id, metadata={"x": "y"}),
        lambda: other_client.beta.threads.delete(thread.id),
        lambda: other_client.beta.threads.messages.create(thread.id, role="user", content="intruder"),
        lambda: other_client.beta.threads.messages.list(thread.id),
        lambda: other_client.beta.threads.messages.retrieve(message.id, thread_id=thread.id),
        lambda: other_client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={}),
        lambda: other_client.beta.threads.messages.delete(message.id, thread_id=thread.id),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError):
            call()
    assert client.beta.threads.retrieve(thread.id).metadata == {}
    assert texts(client.beta.threads.messages.list(thread.id)) == ["private"]
