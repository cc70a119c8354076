"""Every call of the async SDK's threads and messages, on both databases."""

from __future__ import annotations

import asyncio

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.beta.threads import ImageURLContentBlock

from tests.support.sdk import block, text_of

pytestmark = pytest.mark.anyio


async def test_threads(async_client: AsyncOpenAI) -> None:
    client = async_client
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": "Hi"}], metadata={"a": "1"})
    assert thread.id.startswith("thread_") and thread.metadata == {"a": "1"}
    assert await client.beta.threads.retrieve(thread.id) == thread
    updated = await client.beta.threads.update(thread.id, metadata={"a": "2"})
    assert updated.metadata == {"a": "2"}
    deleted = await client.beta.threads.delete(thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        await client.beta.threads.retrieve(thread.id)


async def test_messages(async_client: AsyncOpenAI) -> None:
    client = async_client
    thread = await client.beta.threads.create()
    message = await client.beta.threads.messages.create(
        thread.id,
        role="user",
        content=[{"type": "text", "text": "Hello"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
        metadata={"k": "v"},
    )
    assert (message.status, text_of(message), block(message, 1, ImageURLContentBlock).image_url.detail) == (
        "completed",
        "Hello",
        "auto",
    )
    assert await client.beta.threads.messages.retrieve(message.id, thread_id=thread.id) == message
    updated = await client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={"k": "w"})
    assert updated.metadata == {"k": "w"}
    deleted = await client.beta.threads.messages.delete(message.id, thread_id=thread.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (message.id, "thread.message.deleted", True)
    with pytest.raises(openai.NotFoundError):
        await client.beta.threads.messages.retrieve(message.id, thread_id=thread.id)


async def test_list_and_auto_pagination(async_client: AsyncOpenAI) -> None:
    client = async_client
    thread = await client.beta.threads.create(messages=[{"role": "user", "content": f"m{i}"} for i in range(9)])
    page = await client.beta.threads.messages.list(thread.id, limit=4, order="asc")
    assert [text_of(m) for m in page.data] == ["m0", "m1", "m2", "m3"] and page.has_more
    seen = [text_of(m) async for m in client.beta.threads.messages.list(thread.id, limit=4)]
    assert seen == [f"m{i}" for i in range(8, -1, -1)]
    ids = [m.id for m in page.data]
    before = [m.id async for m in client.beta.threads.messages.list(thread.id, limit=2, order="asc", before=ids[3])]
    assert before == ids[1:3]


async def test_concurrent_async_creates_keep_every_message(async_client: AsyncOpenAI) -> None:
    client = async_client
    thread = await client.beta.threads.create()
    created = await asyncio.gather(
        *(client.beta.threads.messages.create(thread.id, role="user", content=f"c{i}") for i in range(10))
    )
    listed = [m.id async for m in client.beta.threads.messages.list(thread.id, order="asc")]
    assert sorted(listed) == sorted(m.id for m in created) and len(set(listed)) == 10
