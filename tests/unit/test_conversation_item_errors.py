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


# The message of these two codes is the parameter's full path in OpenAI's fixed words.
SAID = {
    "missing_required_parameter": "Missing required parameter: '{}'.",
    "unknown_parameter": "Unrecognized request argument supplied: {}",
}
NAMED_ERRORS: list[tuple[Any, str, str]] = [
    ({"items": [USER | {"name": "bob"}]}, "items[0].name", "unknown_parameter"),
    ({"items": [{"content": "x"}]}, "items[0].role", "missing_required_parameter"),
    ({"items": [USER, {"type": "message", "role": "user"}]}, "items[1].content", "missing_required_parameter"),
    (part(text="x"), "items[0].content[0].type", "missing_required_parameter"),
    (part(type="input_text", text="x", cache=True), "items[0].content[0].cache", "unknown_parameter"),
    (part(type="input_text"), "items[0].content[0].text", "missing_required_parameter"),
    (
        assistant_part(type="output_text", text="x", annotations=[{"type": "file_path", "file_id": "f"}]),
        "items[0].content[0].annotations[0].index",
        "missing_required_parameter",
    ),
    (assistant_part(type="refusal"), "items[0].content[0].refusal", "missing_required_parameter"),
]


@pytest.mark.parametrize(("body", "param", "code"), NAMED_ERRORS)
def test_missing_and_unknown_parameters_are_named_by_their_full_path(body: Any, param: str, code: str) -> None:
    assert refused(parse_items_create, body) == (400, SAID[code].format(param), param, code)


# An unsupported value: "Invalid value: '<value>'. Supported values are: <supported>." (body, param, value, supported)
UNSUPPORTED_VALUES: list[tuple[Any, str, str, str]] = [
    (
        {"items": [{"role": "tool", "content": "x"}]},
        "items[0].role",
        "tool",
        "'user', 'assistant', 'system' and 'developer'",
    ),
    (
        part(type="output_text", text="x"),
        "items[0].content[0].type",
        "output_text",
        INPUT_TYPES,
    ),
    (
        assistant_part(type="input_text", text="x"),
        "items[0].content[0].type",
        "input_text",
        "'output_text' and 'refusal'",
    ),
    (
        part(type="input_image", file_id="file-1", detail="ultra"),
        "items[0].content[0].detail",
        "ultra",
        "'auto', 'low', 'high' and 'original'",
    ),
    (
        part(type="input_text", text="x", prompt_cache_breakpoint={"mode": "implicit"}),
        "items[0].content[0].prompt_cache_breakpoint.mode",
        "implicit",
        "'explicit'",
    ),
    (
        assistant_part(type="output_text", text="x", annotations=[{"type": "footnote"}]),
        "items[0].content[0].annotations[0].type",
        "footnote",
        "'file_citation', 'url_citation', 'container_file_citation' and 'file_path'",
    ),
    ({"items": [USER | {"status": "done"}]}, "items[0].status", "done", "'in_progress', 'completed' and 'incomplete'"),
    ({"items": [USER | {"phase": "draft"}]}, "items[0].phase", "draft", "'commentary' and 'final_answer'"),
]
# A wrong type: "Invalid type for '<param>': expected <expected>, but got <got> instead." (body, param, expected, got)
WRONG_TYPES: list[tuple[Any, str, str, str]] = [
    (
        {"items": [USER, USER, {"role": "user", "content": [{"type": "input_text", "text": 5}]}]},
        "items[2].content[0].text",
        "a string",
        "an integer",
    ),
    ({"items": ["hi"]}, "items[0]", "an object", "a string"),
    (
        {"items": [USER | {"content": 7}]},
        "items[0].content",
        "one of a string or an array of content parts",
        "an integer",
    ),
    ({"items": [USER | {"content": ["hi"]}]}, "items[0].content[0]", "an object", "a string"),
    (part(type="input_image", image_url=["u"]), "items[0].content[0].image_url", "a string", "an array"),
    (part(type="input_file", file_id="file-1", filename=3), "items[0].content[0].filename", "a string", "an integer"),
    (
        assistant_part(type="output_text", text="x", annotations={}),
        "items[0].content[0].annotations",
        "an array",
        "an object",
    ),
]


@pytest.mark.parametrize(("body", "param", "value", "supported"), UNSUPPORTED_VALUES)
def test_an_unsupported_value_is_named_with_the_supported_ones(
    body: Any, param: str, value: str, supported: str
) -> None:
    message = f"Invalid value: '{value}'. Supported values are: {supported}."
    assert refused(parse_items_create, body) == (400, message, param, "invalid_value")


@pytest.mark.parametrize(("body", "param", "expected", "got"), WRONG_TYPES)
def test_a_wrong_type_is_named_with_the_expected_one(body: Any, param: str, expected: str, got: str) -> None:
    message = f"Invalid type for '{param}': expected {expected}, but got {got} instead."
    assert refused(parse_items_create, body) == (400, message, param, "invalid_type")


MESSAGE_ERRORS: list[tuple[Any, str, str, str]] = [
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
        {"items": [USER | {"content": []}]},
        "Invalid 'items[0].content': empty array. Expected an array with minimum length 1, but got an empty array"
        " instead.",
        "items[0].content",
        "empty_array",
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
        part(type="input_file", filename="a.pdf"),
        "Invalid 'items[0].content[0]': an input_file part needs one of 'file_id', 'file_data' or 'file_url'.",
        "items[0].content[0]",
        "missing_required_parameter",
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
