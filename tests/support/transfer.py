"""A store populated with every kind of thread, message and item, and every answer both APIs give about a thread."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from typer.testing import CliRunner, Result

from api.cli.main import cli
from domain.ids import canonical_thread_id
from domain.states import Actor
from projections.pages import Page
from projections.store import MessageStore, NewMessage

ALPHA: Actor = {"tenant": "alpha", "key_id": "key_transfer_alpha"}
BETA: Actor = {"tenant": "beta", "key_id": "key_transfer_beta"}
RUNTIME: dict[str, Any] = {"assistant_id": "asst_1", "run_id": "run_1", "status": "in_progress"}


def msgstore(url: str, *args: str) -> Result:
    """Run the ``msgstore`` command on the store at ``url``."""
    return CliRunner().invoke(cli, list(args), env={"MSGSTORE_DATABASE_URL": url})


def text(value: str, role: str = "user", **fields: Any) -> NewMessage:
    return NewMessage(role=role, content=[{"type": "text", "text": {"value": value, "annotations": []}}], **fields)


def message(role: str, *parts: dict[str, Any], status: str = "completed", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "status": status, "role": role, "content": list(parts), **extra}


def user_text(value: str) -> dict[str, Any]:
    return {"type": "input_text", "text": value}


def saved_message(
    message_id: str, thread_id: str, created_at: int, role: str, content: list[dict[str, Any]]
) -> dict[str, Any]:
    """A completed ``thread.message`` as the Assistants API answers it (and an SDK ``model_dump()`` saves it)."""
    return {
        "id": message_id,
        "object": "thread.message",
        "created_at": created_at,
        "thread_id": thread_id,
        "status": "completed",
        "role": role,
        "content": content,
        "attachments": [],
        "metadata": {},
        "assistant_id": None,
        "run_id": None,
        "completed_at": None,
        "incomplete_at": None,
        "incomplete_details": None,
    }


CALL = {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}", "status": "completed"}
OUTPUT = {"type": "function_call_output", "call_id": "call_1", "output": "42", "status": "completed"}
REASONING = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "think"}], "encrypted_content": None}


def populate(store: MessageStore, suffix: str) -> list[tuple[str, str]]:
    """Threads of two tenants, every kind of message and item, deletions; returns (tenant, thread id) of the live."""
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}}
    first = text("hello", attachments=[{"file_id": "file-1", "tools": [{"type": "file_search"}]}], metadata={"n": "1"})
    created = store.create_thread(
        ALPHA,
        metadata={"case": "everything"},
        tool_resources={"code_interpreter": {"file_ids": ["file-2"]}},
        messages=[first, NewMessage(role="user", content=[image, first.content[0]])],
    )
    t = created.result(30).body["id"]
    done = store.create_message(ALPHA, t, NewMessage(role="assistant", content=[], **RUNTIME)).result(30).body["id"]
    for piece in ("The answer", " is 42."):
        store.append_to_message(ALPHA, t, done, [{"index": 0, "type": "text", "text": {"value": piece}}]).result(30)
    store.complete_message(ALPHA, t, done).result(30)
    cut = store.create_message(ALPHA, t, text("cut sh", "assistant", **RUNTIME)).result(30).body["id"]
    store.mark_message_incomplete(ALPHA, t, cut, "max_tokens").result(30)
    gone = store.create_message(ALPHA, t, text("deleted")).result(30).body["id"]
    store.modify_message(ALPHA, t, gone, metadata={"x": "y"}).result(30)
    store.delete_message(ALPHA, t, gone).result(30)
    items = [
        (f"fc_{suffix}1", CALL),
        (f"fco_{suffix}1", OUTPUT),
        (f"fc_{suffix}2", CALL),
        (f"msg_{suffix}sys", message("system", user_text("be brief"))),
        (f"msg_{suffix}dev", message("developer", user_text("use tools"))),
        (f"rs_{suffix}1", REASONING),
        (f"msg_{suffix}file", message("user", user_text("see"), {"type": "input_file", "file_id": "file-3"})),
        (f"msg_{suffix}no", message("assistant", {"type": "refusal", "refusal": "no"}, phase="final_answer")),
        (
            f"msg_{suffix}run",
            message("assistant", {"type": "output_text", "text": "on", "annotations": []}, status="in_progress"),
        ),
    ]
    store.add_items(ALPHA, t, items).result(30)
    store.modify_message(ALPHA, t, f"msg_{suffix}file", metadata={"seen": "yes"}).result(30)  # a thread-only field
    store.delete_item(ALPHA, t, f"fc_{suffix}2").result(30)
    store.complete_message(ALPHA, t, f"msg_{suffix}run").result(30)
    streaming = (
        store.create_message(ALPHA, t, NewMessage(role="assistant", content=[], **RUNTIME)).result(30).body["id"]
    )
    store.append_to_message(ALPHA, t, streaming, [{"index": 0, "type": "text", "text": {"value": "still"}}]).result(30)
    store.modify_thread(ALPHA, t, metadata={"case": "everything", "edited": "1"}, tool_resources=None).result(30)
    conversation = store.create_conversation(
        ALPHA, metadata={"api": "conversations"}, items=[(f"msg_{suffix}c1", message("user", user_text("hi")))]
    ).result(30)
    c = canonical_thread_id(conversation.body["id"])
    store.add_items(ALPHA, c, [(f"fc_{suffix}c", CALL)]).result(30)
    store.update_conversation(ALPHA, c, {"api": "conversations", "v": "2"}).result(30)
    b = store.create_thread(BETA, metadata={}, tool_resources=None, messages=[text("beta's")]).result(30).body["id"]
    dropped = store.create_thread(BETA, metadata={}, tool_resources=None, messages=[text("x")]).result(30).body["id"]
    store.delete_thread(BETA, dropped).result(30)
    return [("alpha", t), ("alpha", c), ("beta", b)]


def pages(read: Callable[..., Page]) -> list[tuple[list[dict[str, Any]], bool]]:
    """Every page of a list: what a client paging through it with ``after`` sees."""
    seen: list[tuple[list[dict[str, Any]], bool]] = []
    after = None
    while True:
        page = read(after=after)
        seen.append((page.data, page.has_more))
        if not page.has_more:
            return seen
        after = page.data[-1]["id"]


def answers(store: MessageStore, tenant: str, thread_id: str) -> dict[str, Any]:
    """Every answer both APIs give about a thread: the thread, the conversation, each list both ways, each entry."""
    found: dict[str, Any] = {
        "thread": store.thread(tenant, thread_id),
        "conversation": store.conversation(tenant, thread_id),
    }
    for order in ("asc", "desc"):
        found[f"messages {order}"] = pages(partial(store.messages, tenant, thread_id, limit=2, order=order))
        found[f"items {order}"] = pages(partial(store.item_page, tenant, thread_id, limit=2, order=order))
    messages = store.messages(tenant, thread_id, limit=100, order="asc").data
    items = store.item_page(tenant, thread_id, limit=100, order="asc").data
    if len(messages) > 1:
        found["before"] = store.messages(tenant, thread_id, limit=100, order="asc", before=messages[-1]["id"]).data
    found["calls"] = store.item_page(tenant, thread_id, limit=100, order="desc", item_type="function_call").data
    found["each message"] = [store.message(tenant, thread_id, m["id"]) for m in messages]
    found["each item"] = [store.item(tenant, thread_id, i["id"]) for i in items]
    return found
