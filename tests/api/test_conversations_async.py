"""Every call of the async SDK's conversations and items, on both databases."""

from __future__ import annotations

import asyncio

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.conversations import Message
from openai.types.responses import ResponseInputItemParam

from tests.support.conversations import CALL, ident, said, user
from tests.support.sdk import error_body

pytestmark = pytest.mark.anyio


async def test_conversations_and_items(async_client: AsyncOpenAI) -> None:
    client = async_client
    conversation = await client.conversations.create(items=[user("Hi")], metadata={"a": "1"})
    assert conversation.id.startswith("conv_") and conversation.metadata == {"a": "1"}
    assert await client.conversations.retrieve(conversation.id) == conversation
    updated = await client.conversations.update(conversation.id, metadata={"a": "2"})
    assert updated.metadata == {"a": "2"}

    created = await client.conversations.items.create(conversation.id, items=[CALL, user("again")])
    assert [item.type for item in created.data] == ["function_call", "message"] and created.has_more is False
    item = await client.conversations.items.retrieve(ident(created.data[1]), conversation_id=conversation.id)
    assert isinstance(item, Message) and said(item) == "again"
    page = await client.conversations.items.list(conversation.id, order="asc")
    assert [said(item) for item in (page.data[0], page.data[2])] == ["Hi", "again"]

    answer = await client.conversations.items.delete(ident(created.data[0]), conversation_id=conversation.id)
    assert answer == updated
    with pytest.raises(openai.NotFoundError) as missing:
        await client.conversations.items.delete(ident(created.data[0]), conversation_id=conversation.id)
    assert error_body(missing.value)["message"] == f"No item found with id '{ident(created.data[0])}'."

    deleted = await client.conversations.delete(conversation.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (conversation.id, "conversation.deleted", True)
    with pytest.raises(openai.NotFoundError):
        await client.conversations.items.list(conversation.id)


async def test_auto_pagination_and_concurrent_appends(async_client: AsyncOpenAI) -> None:
    client = async_client
    conversation = await client.conversations.create()
    batches: list[list[ResponseInputItemParam]] = [[user(f"b{b}-{i}"), CALL] for i in range(3) for b in range(4)]
    await asyncio.gather(*(client.conversations.items.create(conversation.id, items=batch) for batch in batches))
    collected = [ident(item) async for item in client.conversations.items.list(conversation.id, limit=5)]
    assert len(collected) == len(set(collected)) == 24
    ascending = await client.conversations.items.list(conversation.id, order="asc", limit=100)
    assert collected == [ident(item) for item in reversed(ascending.data)]
    # Each batch of two stayed together: an appended batch is one transaction.
    types = [item.type for item in ascending.data]
    assert types == ["message", "function_call"] * 12
    thread_messages = [m.id async for m in client.beta.threads.messages.list(conversation.id, limit=4)]
    assert thread_messages == [i for i, t in zip(collected, reversed(types), strict=True) if t == "message"]
