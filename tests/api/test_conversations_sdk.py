"""Every call of client.conversations and client.conversations.items through the sync SDK, on both databases."""

from __future__ import annotations

import re
import secrets
from typing import Any

import openai
import pytest
from openai import OpenAI
from openai.types.conversations import Message
from openai.types.responses import EasyInputMessageParam, ResponseInputItemParam

from domain.ids import ITEM_PREFIXES
from tests.support.conversations import CALL, OUTPUT, ident, said, user
from tests.support.sdk import error_body


def test_every_call_of_conversations_and_items(client: OpenAI) -> None:
    conversation = client.conversations.create(items=[user("Hello"), CALL], metadata={"topic": "demo"})
    assert re.fullmatch(r"conv_[A-Za-z0-9_-]{24,}", conversation.id)
    assert (conversation.object, conversation.metadata) == ("conversation", {"topic": "demo"})
    assert client.conversations.retrieve(conversation.id) == conversation
    updated = client.conversations.update(conversation.id, metadata={"topic": "changed"})
    assert (updated.id, updated.created_at, updated.metadata) == (
        conversation.id,
        conversation.created_at,
        {"topic": "changed"},
    )

    created = client.conversations.items.create(
        conversation.id,
        items=[OUTPUT, {"role": "assistant", "content": "Done"}],
        include=["message.output_text.logprobs"],
    )
    assert (created.object, created.has_more) == ("list", False)
    assert [item.type for item in created.data] == ["function_call_output", "message"]
    assert (created.first_id, created.last_id) == (ident(created.data[0]), ident(created.data[1]))
    answer = created.data[1]
    assert isinstance(answer, Message) and (answer.role, answer.status) == ("assistant", "completed")
    assert answer.content[0].model_dump(exclude_none=True) == {"type": "output_text", "text": "Done", "annotations": []}

    listed = client.conversations.items.list(conversation.id)  # newest first by default
    assert [item.type for item in listed.data] == ["message", "function_call_output", "function_call", "message"]
    assert listed.has_more is False
    first = listed.data[-1]
    assert isinstance(first, Message) and first.content[0].model_dump(exclude_none=True) == {
        "type": "input_text",
        "text": "Hello",
    }
    assert client.conversations.items.retrieve(ident(first), conversation_id=conversation.id) == first

    after_delete = client.conversations.items.delete(ident(first), conversation_id=conversation.id)
    assert after_delete == client.conversations.retrieve(conversation.id)
    with pytest.raises(openai.NotFoundError) as missing:
        client.conversations.items.retrieve(ident(first), conversation_id=conversation.id)
    assert error_body(missing.value)["message"] == f"No item found with id '{ident(first)}'."
    assert len(client.conversations.items.list(conversation.id).data) == 3

    deleted = client.conversations.delete(conversation.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (conversation.id, "conversation.deleted", True)
    with pytest.raises(openai.NotFoundError) as gone:
        client.conversations.retrieve(conversation.id)
    assert error_body(gone.value)["message"] == f"No conversation found with id '{conversation.id}'."


def test_each_item_type_gets_its_own_id_prefix(client: OpenAI) -> None:
    carried = "rs_" + secrets.token_hex(8)
    reasoning: ResponseInputItemParam = {"type": "reasoning", "id": carried, "summary": []}
    conversation = client.conversations.create(items=[CALL, OUTPUT, reasoning, {"role": "developer", "content": "x"}])
    items = client.conversations.items.list(conversation.id, order="asc").data
    prefixes = [ident(item).split("_")[0] + "_" for item in items]
    assert prefixes == [ITEM_PREFIXES["function_call"], ITEM_PREFIXES["function_call_output"], "rs_", "msg_"]
    assert ident(items[2]) == carried  # carried, unused: kept


def test_a_thread_is_a_conversation_and_back(client: OpenAI) -> None:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "from threads"}], metadata={"k": "v"})
    conversation_id = "conv_" + thread.id.removeprefix("thread_")
    conversation = client.conversations.retrieve(thread.id)  # a thread_ id works in the Conversations API
    assert (conversation.id, conversation.created_at, conversation.metadata) == (
        conversation_id,
        thread.created_at,
        {"k": "v"},
    )
    client.conversations.items.create(
        conversation_id,
        items=[CALL, {"role": "developer", "content": "hidden"}, {"role": "assistant", "content": "ok"}],
    )
    items = client.conversations.items.list(thread.id, order="asc").data
    assert [item.type for item in items] == ["message", "function_call", "message", "message"]
    messages = client.beta.threads.messages.list(conversation_id, order="asc").data  # and a conv_ id in threads
    assert [(m.role, m.content[0].model_dump()["text"]["value"]) for m in messages] == [
        ("user", "from threads"),
        ("assistant", "ok"),
    ]
    assert [m.id for m in messages] == [ident(items[0]), ident(items[3])]
    assert {m.thread_id for m in messages} == {thread.id}

    # A message created as an item is modified and deleted through the threads API, and vice versa.
    modified = client.beta.threads.messages.update(ident(items[3]), thread_id=thread.id, metadata={"seen": "yes"})
    assert modified.metadata == {"seen": "yes"}
    client.conversations.items.delete(messages[0].id, conversation_id=conversation_id)
    assert [m.id for m in client.beta.threads.messages.list(thread.id).data] == [ident(items[3])]

    deleted = client.beta.threads.delete(conversation_id)  # deleted through the other API
    assert (deleted.id, deleted.deleted) == (thread.id, True)
    for call in (
        lambda: client.conversations.retrieve(conversation_id),
        lambda: client.conversations.items.list(thread.id),
    ):
        with pytest.raises(openai.NotFoundError):
            call()


def test_content_maps_between_items_and_thread_messages(client: OpenAI) -> None:
    looking: EasyInputMessageParam = {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "look"},
            {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "low"},
            {"type": "input_image", "file_id": "file-img", "detail": "auto"},
            {"type": "input_file", "file_id": "file-doc"},
        ],
    }
    refusing: Any = {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]}
    conversation = client.conversations.create(
        items=[looking, refusing, {"role": "system", "content": "system prompt"}]
    )
    messages = client.beta.threads.messages.list(conversation.id, order="asc").data
    assert [m.role for m in messages] == ["user", "assistant"]  # the system message has no Assistants form
    assert [block.model_dump(exclude_none=True) for block in messages[0].content] == [
        {"type": "text", "text": {"value": "look", "annotations": []}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
        {"type": "image_file", "image_file": {"file_id": "file-img", "detail": "auto"}},
    ]  # input_file is left out of the thread view
    assert messages[1].content[0].model_dump() == {"type": "refusal", "refusal": "no"}

    thread_message = client.beta.threads.messages.create(
        conversation.id,
        role="user",
        content=[{"type": "text", "text": "t"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
    )
    item = client.conversations.items.retrieve(thread_message.id, conversation_id=conversation.id)
    assert isinstance(item, Message) and item.role == "user"
    assert [part.model_dump(exclude_none=True) for part in item.content] == [
        {"type": "input_text", "text": "t"},
        {"type": "input_image", "image_url": "https://x/y.png", "detail": "auto"},
    ]
    client.conversations.delete(conversation.id)  # deleted through the other API
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve(thread_message.thread_id)


def test_another_tenant_sees_nothing(client: OpenAI, other_client: OpenAI) -> None:
    conversation = client.conversations.create(items=[user("secret")])
    item = ident(client.conversations.items.list(conversation.id).data[0])
    missing = "conv_" + secrets.token_urlsafe(18)
    theirs = other_client.conversations
    calls = (
        lambda c: theirs.retrieve(c),
        lambda c: theirs.update(c, metadata={}),
        lambda c: theirs.items.list(c),
        lambda c: theirs.items.create(c, items=[user("x")]),
        lambda c: theirs.items.retrieve(item, conversation_id=c),
        lambda c: theirs.items.delete(item, conversation_id=c),
        lambda c: theirs.delete(c),
    )
    for call in calls:
        answers = []
        for target in (conversation.id, missing):
            with pytest.raises(openai.NotFoundError) as raised:
                call(target)
            answers.append(error_body(raised.value)["message"].replace(target, "ID"))
        assert answers == ["No conversation found with id 'ID'."] * 2
    with pytest.raises(openai.NotFoundError):
        other_client.beta.threads.messages.list(conversation.id)
    assert said(client.conversations.items.retrieve(item, conversation_id=conversation.id)) == "secret"
