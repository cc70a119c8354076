"""The SDK round trip through a real server, on both databases."""

from __future__ import annotations

from openai import OpenAI

from tests.support.sdk import text_of


def test_thread_and_message_round_trip(client: OpenAI) -> None:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hello"}], metadata={"a": "1"})
    assert thread.id.startswith("thread_") and thread.metadata == {"a": "1"}
    message = client.beta.threads.messages.create(thread.id, role="assistant", content="Hi there")
    page = client.beta.threads.messages.list(thread.id, order="asc")
    assert [text_of(m) for m in page.data] == ["Hello", "Hi there"]
    assert client.beta.threads.messages.retrieve(message.id, thread_id=thread.id).status == "completed"
