"""Input items come back in the form the API answers with: defaults filled in, the rest as sent (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.conversations import ConversationItem
from pydantic import TypeAdapter

from api.conversations.items import parse_items
from api.errors import APIError

CONVERSATION_ITEM: TypeAdapter[Any] = TypeAdapter(ConversationItem)


def cited_and_refused() -> list[dict[str, Any]]:
    """Assistant parts already in their answer form, sent and answered alike (a new copy for each side)."""
    return [
        {
            "type": "output_text",
            "text": "see",
            "annotations": [{"type": "url_citation", "url": "u", "title": "t", "start_index": 0, "end_index": 3}],
            "logprobs": [],
        },
        {"type": "refusal", "refusal": "no"},
    ]


FORMS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"role": "user", "content": "hi"},
        {"type": "message", "status": "completed", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
    ),
    (
        {"role": "assistant", "content": "hello", "status": "in_progress"},
        {
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "hello", "annotations": []}],
        },
    ),
    (
        {"type": "message", "role": "system", "content": "be brief", "status": None, "id": "msg_abc"},
        {
            "id": "msg_abc",
            "type": "message",
            "status": "completed",
            "role": "system",
            "content": [{"type": "input_text", "text": "be brief"}],
        },
    ),
    (
        {"role": "assistant", "content": [{"type": "output_text", "text": "a"}], "phase": "final_answer"},
        {
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "a", "annotations": []}],
            "phase": "final_answer",
        },
    ),
    (
        {
            "role": "user",
            "content": [
                {"type": "input_image", "image_url": "https://example.com/a.png"},
                {"type": "input_image", "file_id": "file-1", "detail": "low"},
                {"type": "input_file", "file_id": "file-2"},
                {"type": "input_file", "file_data": "data:application/pdf;base64,AA==", "filename": "a.pdf"},
                {"type": "input_text", "text": "t", "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}},
            ],
        },
        {
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [
                {"type": "input_image", "image_url": "https://example.com/a.png", "file_id": None, "detail": "auto"},
                {"type": "input_image", "image_url": None, "file_id": "file-1", "detail": "low"},
                {"type": "input_file", "file_id": "file-2"},
                {
                    "type": "input_file",
                    "file_id": None,
                    "file_data": "data:application/pdf;base64,AA==",
                    "filename": "a.pdf",
                },
                {"type": "input_text", "text": "t", "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}},
            ],
        },
    ),
    (
        {"role": "assistant", "content": cited_and_refused()},
        {"type": "message", "status": "completed", "role": "assistant", "content": cited_and_refused()},
    ),
    (
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "x_trace": {"k": 1}},
        {
            "type": "function_call",
            "call_id": "c",
            "name": "f",
            "arguments": "{}",
            "x_trace": {"k": 1},
            "status": "completed",
        },
    ),
    (
        {"type": "function_call_output", "id": "fco_1", "call_id": "c", "output": "42", "status": None},
        {"id": "fco_1", "type": "function_call_output", "call_id": "c", "output": "42", "status": "completed"},
    ),
    (
        {"type": "function_call_output", "id": None, "call_id": "c", "output": [{"type": "input_text", "text": "1"}]},
        {
            "type": "function_call_output",
            "call_id": "c",
            "output": [{"type": "input_text", "text": "1"}],
            "status": "completed",
        },
    ),
    (
        {"type": "tool_search_call", "arguments": {"q": "x"}, "execution": "client"},
        {"type": "tool_search_call", "arguments": {"q": "x"}, "execution": "client", "status": "completed"},
    ),
    (
        {"type": "shell_call", "call_id": "c", "action": {"commands": ["ls"]}, "status": "in_progress"},
        {"type": "shell_call", "call_id": "c", "action": {"commands": ["ls"]}, "status": "in_progress"},
    ),
    ({"id": "msg_0"}, {"id": "msg_0", "type": "item_reference"}),
]


@pytest.mark.parametrize(("sent", "answer"), FORMS)
def test_items_come_back_in_their_answer_form(sent: dict[str, Any], answer: dict[str, Any]) -> None:
    [item] = parse_items([sent])
    assert item == answer
    assert list(item)[: 1 + ("id" in item)] == (["id", "type"] if "id" in item else ["type"])
    if item["type"] != "item_reference":
        CONVERSATION_ITEM.validate_python({"id": "item_1"} | item)


def test_the_answer_shares_nothing_with_the_request() -> None:
    sent = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "meta": {"k": [1]}}
    [item] = parse_items([sent])
    item["meta"]["k"].append(2)
    assert sent["meta"] == {"k": [1]}


def test_a_create_may_hold_no_items_and_references_may_repeat() -> None:
    assert parse_items([], min_items=0) == []
    refs = parse_items([{"type": "item_reference", "id": "msg_1"}, {"id": "msg_1"}])
    assert refs == [{"id": "msg_1", "type": "item_reference"}] * 2


def test_a_smaller_maximum_is_honoured_and_named() -> None:
    with pytest.raises(APIError, match=r"Invalid 'input': array too long. Expected an array with maximum length 2"):
        parse_items([{"role": "user", "content": "x"}] * 3, param="input", max_items=2)
