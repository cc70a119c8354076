"""Threads written straight through a store, for the tests that watch the projection worker apply them."""

from __future__ import annotations

from domain.states import Actor
from projections.store import MessageStore, NewMessage


def write_thread(store: MessageStore, actor: Actor, messages: int) -> str:
    """A new thread with ``messages`` messages, all submitted before any is awaited; returns its id."""
    hello = NewMessage(role="user", content=[{"type": "text", "text": {"value": "hello", "annotations": []}}])
    thread_id: str = store.create_thread(actor, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    for future in [store.create_message(actor, thread_id, hello) for _ in range(messages)]:
        future.result(30)
    return thread_id
