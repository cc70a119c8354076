"""A message's content in its thread form and its item form, mapped both ways (no I/O)."""

from __future__ import annotations

import ast
import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from openai.types.beta.threads import Message as ThreadMessage
from openai.types.conversations import ConversationItem
from pydantic import TypeAdapter

import domain.conversation_content
from api.conversations.items import parse_items
from domain.content import apply_delta
from domain.conversation_content import (
    appears_in_threads,
    apply_item_delta,
    item_to_message_content,
    message_to_item_content,
)

CONVERSATION_ITEM: TypeAdapter[Any] = TypeAdapter(ConversationItem)

THREAD: list[dict[str, Any]] = [
    {"type": "text", "text": {"value": "look", "annotations": []}},
    {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}},
    {"type": "image_file", "image_file": {"file_id": "file-1", "detail": "low"}},
]
USER_ITEM: list[dict[str, Any]] = [
    {"type": "input_text", "text": "look"},
    {"type": "input_image", "image_url": "https://example.com/a.png", "file_id": None, "detail": "auto"},
    {"type": "input_image", "image_url": None, "file_id": "file-1", "detail": "low"},
]


def as_item(role: str, content: list[dict[str, Any]]) -> Any:
    return CONVERSATION_ITEM.validate_python(
        {"id": "msg_1", "type": "message", "status": "completed", "role": role, "content": content}
    )


def as_thread_message(role: str, content: list[dict[str, Any]]) -> ThreadMessage:
    return ThreadMessage.model_validate(
        {
            "id": "msg_1",
            "object": "thread.message",
            "created_at": 0,
            "thread_id": "thread_1",
            "status": "completed",
            "role": role,
            "content": content,
            "attachments": [],
            "metadata": {},
        }
    )


@pytest.mark.parametrize("role", ["user", "system", "developer"])
def test_thread_blocks_become_input_parts(role: str) -> None:
    assert message_to_item_content(role, THREAD) == USER_ITEM
    as_item(role, USER_ITEM)


def test_assistant_text_becomes_output_text_and_refusal_stays() -> None:
    thread: list[dict[str, Any]] = [
        {"type": "text", "text": {"value": "a", "annotations": []}},
        {"type": "refusal", "refusal": "no"},
    ]
    item: list[dict[str, Any]] = [
        {"type": "output_text", "text": "a", "annotations": []},
        {"type": "refusal", "refusal": "no"},
    ]
    assert message_to_item_content("assistant", thread) == item
    assert item_to_message_content(item) == thread
    as_item("assistant", item)


def file_annotation(kind: str, text: str, file_id: str, start: int, end: int) -> dict[str, Any]:
    """A thread message's file annotation: a ``file_citation`` or a ``file_path``."""
    return {"type": kind, "text": text, kind: {"file_id": file_id}, "start_index": start, "end_index": end}


def test_assistant_file_annotations_are_mapped() -> None:
    citation = file_annotation("file_citation", "[1]", "file-9", 4, 7)
    path = file_annotation("file_path", "x", "file-8", 1, 2)
    other: dict[str, Any] = {"type": "footnote"}
    thread = [{"type": "text", "text": {"value": "see [1]", "annotations": [citation, path, other]}}]
    [part] = message_to_item_content("assistant", thread)
    assert part["annotations"] == [
        {"type": "file_citation", "file_id": "file-9", "filename": "", "index": 4},
        {"type": "file_path", "file_id": "file-8", "index": 1},
    ]
    as_item("assistant", [part])


def test_item_parts_become_thread_blocks() -> None:
    assert item_to_message_content(USER_ITEM) == THREAD
    as_thread_message("user", THREAD)


def test_parts_with_no_thread_form_are_left_out_and_original_detail_reads_high() -> None:
    item: list[dict[str, Any]] = [
        {"type": "input_file", "file_id": "file-2"},
        {"type": "input_image", "image_url": None, "file_id": "file-3", "detail": "original"},
    ]
    blocks = item_to_message_content(item)
    assert blocks == [{"type": "image_file", "image_file": {"file_id": "file-3", "detail": "high"}}]
    as_thread_message("user", blocks)


@pytest.mark.parametrize("role", ["user", "assistant"])
def test_round_trips(role: str) -> None:
    thread: list[dict[str, Any]] = [*THREAD, {"type": "refusal", "refusal": "no"}] if role == "assistant" else THREAD
    item = message_to_item_content(role, thread)
    assert item_to_message_content(item) == thread
    assert message_to_item_content(role, item_to_message_content(item)) == item


def test_validated_items_round_trip_through_the_thread_form() -> None:
    [item] = parse_items(
        [{"role": "user", "content": [{"type": "input_text", "text": "a"}, {"type": "input_image", "file_id": "f"}]}]
    )
    assert message_to_item_content("user", item_to_message_content(item["content"])) == item["content"]


@pytest.mark.parametrize(
    ("item", "shown"),
    [
        ({"type": "message", "role": "user", "content": []}, True),
        ({"type": "message", "role": "assistant", "content": []}, True),
        ({"type": "message", "role": "system", "content": []}, False),
        ({"type": "message", "role": "developer", "content": []}, False),
        ({"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}, False),
        ({"type": "reasoning", "summary": []}, False),
    ],
)
def test_only_user_and_assistant_messages_appear_in_threads(item: dict[str, Any], shown: bool) -> None:
    assert appears_in_threads(item) is shown


def test_a_delta_grows_the_item_as_it_grows_the_thread_message() -> None:
    thread: list[dict[str, Any]] = [{"type": "text", "text": {"value": "Hel", "annotations": []}}]
    item = message_to_item_content("assistant", thread)
    before = copy.deepcopy(item)
    delta = [
        {"index": 0, "type": "text", "text": {"value": "lo"}},
        {"index": 1, "type": "refusal", "refusal": "I can"},
        {"index": 1, "type": "refusal", "refusal": "not"},
        {"index": 2, "type": "image_file", "image_file": {"file_id": "file-1", "detail": "auto"}},
    ]
    grown = apply_item_delta(item, delta)
    assert item == before
    assert grown == message_to_item_content("assistant", apply_delta(thread, delta))
    assert grown[:2] == [
        {"type": "output_text", "text": "Hello", "annotations": []},
        {"type": "refusal", "refusal": "I cannot"},
    ]
    as_item("assistant", grown)


def test_a_delta_index_counts_only_the_parts_threads_show() -> None:
    item: list[dict[str, Any]] = [{"type": "input_file", "file_id": "file-2"}, {"type": "input_text", "text": "a"}]
    grown = apply_item_delta(item, [{"index": 0, "type": "text", "text": {"value": "b"}}], role="user")
    assert grown == [{"type": "input_file", "file_id": "file-2"}, {"type": "input_text", "text": "ab"}]
    grown = apply_item_delta(item, [{"index": 1, "type": "text", "text": {"value": "c"}}], role="user")
    assert grown[2] == {"type": "input_text", "text": "c"}


def test_the_mapping_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(domain.conversation_content.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}
