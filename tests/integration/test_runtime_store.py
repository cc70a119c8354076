"""Runtime writes through the store's writer, their rebuild, and the stream's wait loop, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from api.routes.stream import follow
from api.wakeups import ThreadWakeups
from domain.ids import key_identifier, thread_uuid
from projections.messages.changes import ThreadChanges
from projections.runners.rebuild import rebuild_messages_view
from projections.store import MessageStore, NewMessage

RUNTIME = {"tenant": "alpha", "key_id": key_identifier("sk-runtime")}
REPLY = NewMessage(role="assistant", content=[], assistant_id="asst_1", run_id="run_1", status="in_progress")


def text(index: int, value: str) -> dict[str, Any]:
    return {"index": index, "type": "text", "text": {"value": value}}


def rows(store: MessageStore) -> list[dict[str, Any]]:
    with store.database.read() as curs:
        curs.execute(f"SELECT * FROM {store.tables.messages} ORDER BY message_id")
        return [dict(row) for row in curs.fetchall()]


def test_deltas_submitted_at_once_accumulate_in_order_and_rebuild_to_the_same_view(fresh: MessageStore) -> None:
    thread_id = fresh.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]).result(30).body["id"]
    first = fresh.create_message(RUNTIME, thread_id, REPLY).result(30).body
    second = fresh.create_message(RUNTIME, thread_id, REPLY).result(30).body
    # Submitted without waiting, so the writer may record several in one transaction.
    futures = [fresh.append_to_message(RUNTIME, thread_id, first["id"], [text(0, f"{i} ")]) for i in range(30)]
    futures.append(fresh.append_to_message(RUNTIME, thread_id, second["id"], [text(0, "cut")]))
    futures.append(fresh.complete_message(RUNTIME, thread_id, first["id"]))
    futures.append(fresh.mark_message_incomplete(RUNTIME, thread_id, second["id"], "run_expired"))
    answers = [f.result(30).body for f in futures]
    whole = "".join(f"{i} " for i in range(30))
    for i, answer in enumerate(answers[:30]):  # each answer holds its own delta and those before, in order
        value = answer["content"][0]["text"]["value"]
        assert value.startswith("".join(f"{j} " for j in range(i + 1))) and whole.startswith(value)
    done = fresh.message("alpha", thread_id, first["id"])
    assert done == answers[-2] and done["content"][0]["text"]["value"] == whole and done["status"] == "completed"
    cut = fresh.message("alpha", thread_id, second["id"])
    assert (cut["status"], cut["incomplete_details"], cut["content"][0]["text"]["value"]) == (
        "incomplete",
        {"reason": "run_expired"},
        "cut",
    )
    live = rows(fresh)
    rebuild_messages_view(fresh.database, fresh.app)
    assert rows(fresh) == live


@pytest.mark.anyio
async def test_the_stream_wakes_on_its_threads_events_and_sends_keep_alives_while_idle(store: MessageStore) -> None:
    created = await asyncio.wrap_future(store.create_thread(RUNTIME, metadata={}, tool_resources=None, messages=[]))
    thread_id = created.body["id"]
    wakeups = ThreadWakeups(store)
    frames = follow(ThreadChanges(store.database, store.app), wakeups, thread_id, 0, keepalive=0.05)
    assert isinstance(frames, AsyncGenerator)  # closed at the end, which runs its cleanup
    try:
        assert (await anext(frames)).startswith(b"id: 1\nevent: thread.created\ndata: {")
        assert await anext(frames) == b": keep-alive\n\n"
        waiting = asyncio.ensure_future(anext(frames))
        await asyncio.wrap_future(store.create_message(RUNTIME, thread_id, REPLY))
        frame = await waiting
        while frame == b": keep-alive\n\n":
            frame = await anext(frames)
        assert frame.startswith(b"event: thread.message.created\ndata: {")
        assert b"\n\nid: 2\nevent: thread.message.in_progress\ndata: {" in frame
    finally:
        await frames.aclose()
        wakeups.close()


@pytest.mark.anyio
async def test_wakeups_wake_only_the_streams_of_the_thread_that_changed(store: MessageStore) -> None:
    empty: dict[str, Any] = {"metadata": {}, "tool_resources": None, "messages": []}
    one, other = [(await asyncio.wrap_future(store.create_thread(RUNTIME, **empty))).body["id"] for _ in range(2)]
    wakeups = ThreadWakeups(store)
    try:
        woken_one = await wakeups.subscribe(thread_uuid(one))
        woken_other = await wakeups.subscribe(thread_uuid(other))
        await asyncio.wrap_future(store.create_message(RUNTIME, one, REPLY))
        await asyncio.wait_for(woken_one.wait(), 30)
        assert not woken_other.is_set()
        wakeups.unsubscribe(thread_uuid(one), woken_one)
        await asyncio.wrap_future(store.create_message(RUNTIME, other, REPLY))
        await asyncio.wait_for(woken_other.wait(), 30)
    finally:
        wakeups.close()
