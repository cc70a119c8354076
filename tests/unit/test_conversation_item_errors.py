"""Message items refused as OpenAI refuses them, naming the full parameter path (no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.conversations.bodies import parse_items_create
from api.errors import APIError
from api.schemas import MAX_TEXT

USER = {"role": "user", "content": "hi"}
INPUT_TYPES = "'input_text', 'input_image' and 'input_file'"
TOO_SHORT = "string too short. Expected a string with minimum length 1, but got an empty string instead."


def refused(parse: Callable[[Any], Any], body: Any) -> tuple[int, str, str | None, str | None]:
    with pytest.raises(APIError) as caught:
        parse(body)
    return caught.value.status, caught.value.message, caught.value.param, caught.value.code


def part(**fields: Any) -> dict[str, Any]:
    """A body holding one user message with this one content part."""
    return {"items": [{"role": "user", "content": [fields]}]}


def assistant_part(**fields: Any) -> dict[str, Any]:
    return {"items": [{"role": "assistant", "content": [fields]}]}


MESSAGE_ERRORS: list[tuple[Any, str, str, str]] = [
    (
        {"items": [USER, USER, {"role": "user", "content": [{"type": "input_text", "text": 5}]}]},
        "Invalid type for 'items[2].content[0].text': expected a string, but got an integer instead.",
        "items[2].content[0].text",
        "invalid_type",
    ),
    (
        {"items": ["hi"]},
        "Invalid type for 'items[0]': expected an object, but got a string instead.",
        "items[0]",
        "invalid_type",
    ),
    (
        {"items": [USER | {"name": "bob"}]},
        "Unrecognized request argument supplied: items[0].name",
        "items[0].name",
        "unknown_parameter",
    ),
    (
        {"items": [{"content": "x"}]},
        "Missing required parameter: 'items[0].role'.",
        "items[0].role",
        "missing_required_parameter",
    ),
    (
        {"items": [{"role": "tool", "content": "x"}]},
        "Invalid value: 'tool'. Supported values are: 'user', 'assistant', 'system' and 'developer'.",
        "items[0].role",
        "invalid_value",
    ),
    (
        {"items": [USER, {"type": "message", "role": "user"}]},
        "Missing required parameter: 'items[1].content'.",
        "items[1].content",
        "missing_required_parameter",
    ),
    (
        {"items": [USER | {"content": ""}]},
        f"Invalid 'items[0].content': {TOO_SHORT}",
        "items[0].content",
        "string_below_min_length",
    ),
    (
        {"items": [USER | {"content": "x" * (MAX_TEXT + 1)}]},
        f"Invalid 'items[0].content': string too long. Expected a string with maximum length {MAX_TEXT},"
        f" but got a string with length {MAX_TEXT + 1} instead.",
        "items[0].content",
        "string_above_max_length",
    ),
    (
        {"items": [USER | {"content": 7}]},
        "Invalid type for 'items[0].content': expected one of a string or an array of content parts,"
        " but got an integer instead.",
        "items[0].content",
        "invalid_type",
    ),
    (
        {"items": [USER | {"content": []}]},
        "Invalid 'items[0].content': empty array. Expected an array with minimum length 1, but got an empty array"
        " instead.",
        "items[0].content",
        "empty_array",
    ),
    (
        {"items": [USER | {"content": ["hi"]}]},
        "Invalid type for 'items[0].content[0]': expected an object, but got a string instead.",
        "items[0].content[0]",
        "invalid_type",
    ),
    (
        part(text="x"),
        "Missing required parameter: 'items[0].content[0].type'.",
        "items[0].content[0].type",
        "missing_required_parameter",
    ),
    (
        part(type="output_text", text="x"),
        f"Invalid value: 'output_text'. Supported values are: {INPUT_TYPES}.",
        "items[0].content[0].type",
        "invalid_value",
    ),
    (
        assistant_part(type="input_text", text="x"),
        "Invalid value: 'input_text'. Supported values are: 'output_text' and 'refusal'.",
        "items[0].content[0].type",
        "invalid_value",
    ),
    (
        part(type="input_text", text="x", cache=True),
        "Unrecognized request argument supplied: items[0].content[0].cache",
        "items[0].content[0].cache",
        "unknown_parameter",
    ),
    (
        part(type="input_text"),
        "Missing required parameter: 'items[0].content[0].text'.",
        "items[0].content[0].text",
        "missing_required_parameter",
    ),
    (
        part(type="input_text", text=""),
        f"Invalid 'items[0].content[0].text': {TOO_SHORT}",
        "items[0].content[0].text",
        "string_below_min_length",
    ),
    (
        part(type="input_image", detail="low"),
        "Invalid 'items[0].content[0]': an input_image part needs one of 'image_url' or 'file_id'.",
        "items[0].content[0]",
        "missing_required_parameter",
    ),
    (
        part(type="input_image", image_url=["u"]),
        "Invalid type for 'items[0].content[0].image_url': expected a string, but got an array instead.",
        "items[0].content[0].image_url",
        "invalid_type",
    ),
    (
        part(type="input_image", file_id="file-1", detail="ultra"),
        "Invalid value: 'ultra'. Supported values are: 'auto', 'low', 'high' and 'original'.",
        "items[0].content[0].detail",
        "invalid_value",
    ),
    (
        part(type="input_file", filename="a.pdf"),
        "Invalid 'items[0].content[0]': an input_file part needs one of 'file_id', 'file_data' or 'file_url'.",
        "items[0].content[0]",
        "missing_required_parameter",
    ),
    (
        part(type="input_file", file_id="file-1", filename=3),
        "Invalid type for 'items[0].content[0].filename': expected a string, but got an integer instead.",
        "items[0].content[0].filename",
        "invalid_type",
    ),
    (
        part(type="input_text", text="x", prompt_cache_breakpoint={"mode": "implicit"}),
        "Invalid value: 'implicit'. Supported values are: 'explicit'.",
        "items[0].content[0].prompt_cache_breakpoint.mode",
        "invalid_value",
    ),
    (
        assistant_part(type="output_text", text="x", annotations={}),
        "Invalid type for 'items[0].content[0].annotations': expected an array, but got an object instead.",
        "items[0].content[0].annotations",
        "invalid_type",
    ),
    (
        assistant_part(type="output_text", text="x", annotations=[{"type": "file_path", "file_id": "f"}]),
        "Missing required parameter: 'items[0].content[0].annotations[0].index'.",
        "items[0].content[0].annotations[0].index",
        "missing_required_parameter",
    ),
    (
        assistant_part(type="output_text", text="x", annotations=[{"type": "footnote"}]),
        "Invalid value: 'footnote'. Supported values are: 'file_citation', 'url_citation',"
        " 'container_file_citation' and 'file_path'.",
        "items[0].content[0].annotations[0].type",
        "invalid_value",
    ),
    (
        assistant_part(type="refusal"),
        "Missing required parameter: 'items[0].content[0].refusal'.",
        "items[0].content[0].refusal",
        "missing_required_parameter",
    ),
    (
        {"items": [USER | {"status": "done"}]},
        "Invalid value: 'done'. Supported values are: 'in_progress', 'completed' and 'incomplete'.",
        "items[0].status",
        "invalid_value",
    ),
    (
        {"items": [USER | {"phase": "draft"}]},
        "Invalid value: 'draft'. Supported values are: 'commentary' and 'final_answer'.",
        "items[0].phase",
        "invalid_value",
    ),
    (
        {"items": [USER | {"id": "msg 1"}]},
        "Invalid 'items[0].id': 'msg 1'. Expected an ID that contains letters, numbers, underscores, or dashes,"
        " but this value contained additional characters.",
        "items[0].id",
        "invalid_value",
    ),
    (
        {"items": [USER | {"id": "m" * 65}]},
        "Invalid 'items[0].id': string too long. Expected a string with maximum length 64, but got a string with"
        " length 65 instead.",
        "items[0].id",
        "string_above_max_length",
    ),
    (
        {
            "items": [
                USER | {"id": "msg_1"},
                USER,
                {"type": "function_call", "id": "msg_1", "call_id": "c", "name": "f", "arguments": ""},
            ]
        },
        "Invalid 'items[2].id': 'msg_1' is already the id of 'items[0]'.",
        "items[2].id",
        "invalid_value",
    ),
]


@pytest.mark.parametrize(("body", "message", "param", "code"), MESSAGE_ERRORS)
def test_message_item_errors_name_the_parameter(body: Any, message: str, param: str, code: str) -> None:
    assert refused(parse_items_create, body) == (400, message, param, code)
