"""Request bodies validated as OpenAI validates them, and errors that name the parameter (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.schemas import MessageCreate, MessageModify, ThreadCreate, ThreadModify
from api.validation import describe_validation_error, kind_of, param_path
from tests.support.refusals import MESSAGE, MESSAGE_REFUSALS, META17


def refused(model: type[BaseModel], body: Any) -> tuple[str, str | None, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return describe_validation_error(caught.value.errors())


@pytest.mark.parametrize(
    ("body", "message", "param", "code"),
    [
        *MESSAGE_REFUSALS,
        (
            {"role": "user", "content": 7},
            "Invalid type for 'content': expected one of a string or an array of content parts, but got an"
            " integer instead.",
            "content",
            "invalid_type",
        ),
        (
            {"role": "user", "content": ["hi"]},
            "Invalid type for 'content[0]': expected an object, but got a string instead.",
            "content[0]",
            "invalid_type",
        ),
        (
            {"role": "user", "content": [{"type": "video"}]},
            "Invalid value: 'video'. Supported values are: 'text', 'image_url' and 'image_file'.",
            "content[0].type",
            "invalid_value",
        ),
        (
            {"role": "user", "content": [{"text": "x"}]},
            "Missing required parameter: 'content[0].type'.",
            "content[0].type",
            "missing_required_parameter",
        ),
        (
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text"}]},
            "Missing required parameter: 'content[1].text'.",
            "content[1].text",
            "missing_required_parameter",
        ),
        (
            {"role": "user", "content": [{"type": "text", "text": ["a"]}]},
            "Invalid type for 'content[0].text': expected a string, but got an array instead.",
            "content[0].text",
            "invalid_type",
        ),
        (
            {"role": "user", "content": [{"type": "text", "text": "a", "extra": 1}]},
            "Unrecognized request argument supplied: content[0].extra",
            "content[0].extra",
            "unknown_parameter",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": "http://x"}]},
            "Invalid type for 'content[0].image_url': expected an object, but got a string instead.",
            "content[0].image_url",
            "invalid_type",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {}}]},
            "Missing required parameter: 'content[0].image_url.url'.",
            "content[0].image_url.url",
            "missing_required_parameter",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u", "detail": "max"}}]},
            "Invalid value: 'max'. Supported values are: 'auto', 'low' and 'high'.",
            "content[0].image_url.detail",
            "invalid_value",
        ),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "u", "size": 1}}]},
            "Unrecognized request argument supplied: content[0].image_url.size",
            "content[0].image_url.size",
            "unknown_parameter",
        ),
        (
            {"role": "user", "content": [{"type": "image_file", "image_file": {"detail": "low"}}]},
            "Missing required parameter: 'content[0].image_file.file_id'.",
            "content[0].image_file.file_id",
            "missing_required_parameter",
        ),
        (
            {"role": "user", "content": [{"type": "image_file", "image_file": {"file_id": ""}}]},
            "Invalid 'content[0].image_file.file_id': expected a non-empty string.",
            "content[0].image_file.file_id",
            "invalid_value",
        ),
        (
            MESSAGE | {"attachments": "file-1"},
            "Invalid type for 'attachments': expected an array, but got a string instead.",
            "attachments",
            "invalid_type",
        ),
        (
            MESSAGE | {"attachments": [{"tools": []}]},
            "Missing required parameter: 'attachments[0].file_id'.",
            "attachments[0].file_id",
            "missing_required_parameter",
        ),
        (
            MESSAGE | {"attachments": [{"file_id": "f", "tools": [{"type": "browser"}]}]},
            "Invalid value: 'browser'. Supported values are: 'code_interpreter' or 'file_search'.",
            "attachments[0].tools[0].type",
            "invalid_value",
        ),
        (
            MESSAGE | {"metadata": {"k": 5}},
            "Invalid type for 'metadata.k': expected a string, but got an integer instead.",
            "metadata.k",
            "invalid_type",
        ),
        (
            MESSAGE | {"metadata": ["k"]},
            "Invalid type for 'metadata': expected an object, but got an array instead.",
            "metadata",
            "invalid_type",
        ),
        (
            MESSAGE | {"run_id": "run_1"},
            "Unrecognized request argument supplied: run_id",
            "run_id",
            "unknown_parameter",
        ),
    ],
)
def test_create_message_errors_name_the_parameter(body: Any, message: str, param: str, code: str) -> None:
    assert refused(MessageCreate, body) == (message, param, code)


def test_limits_are_inclusive() -> None:
    at_limit = MESSAGE | {"metadata": {f"{i:064d}": "v" * 512 for i in range(16)}}
    assert len(MessageCreate.model_validate(at_limit).metadata or {}) == 16


def test_errors_inside_a_new_threads_messages_name_the_full_path() -> None:
    body = {"messages": [MESSAGE, {"role": "user", "content": [{"type": "text", "text": ""}]}]}
    message, param, _ = refused(ThreadCreate, body)
    assert param == "messages[1].content[0].text"
    assert message.startswith("Invalid 'messages[1].content[0].text': string too short.")
    message, param, _ = refused(ThreadCreate, {"messages": [MESSAGE | {"metadata": {"k": "v" * 513}}]})
    assert (message.split(":")[0], param) == ("Invalid 'messages[0].metadata.k'", "messages[0].metadata.k")


def test_thread_bodies() -> None:
    assert refused(ThreadCreate, {"metadata": META17})[1:] == ("metadata", "object_above_max_properties")
    assert refused(ThreadCreate, {"messages": "hi"})[1:] == ("messages", "invalid_type")
    assert refused(ThreadCreate, {"tool_resources": {"browser": {}}}) == (
        "Unrecognized request argument supplied: tool_resources.browser",
        "tool_resources.browser",
        "unknown_parameter",
    )
    assert refused(ThreadModify, {"messages": []}) == (
        "Unrecognized request argument supplied: messages",
        "messages",
        "unknown_parameter",
    )
    assert refused(MessageModify, {"content": "x"})[1:] == ("content", "unknown_parameter")
    assert refused(MessageModify, {"metadata": {"k": "v" * 513}})[1:] == ("metadata.k", "string_above_max_length")


def test_content_is_stored_in_its_wire_form() -> None:
    text = MessageCreate.model_validate(MESSAGE)
    assert text.content_blocks() == [{"type": "text", "text": {"value": "hi", "annotations": []}}]
    parts = MessageCreate.model_validate(
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                {"type": "image_file", "image_file": {"file_id": "file-1", "detail": "high"}},
            ],
            "attachments": [{"file_id": "file-2", "tools": [{"type": "file_search"}]}, {"file_id": "file-3"}],
        }
    )
    assert parts.content_blocks() == [
        {"type": "text", "text": {"value": "look", "annotations": []}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "auto"}},
        {"type": "image_file", "image_file": {"file_id": "file-1", "detail": "high"}},
    ]
    assert parts.attachment_list() == [
        {"file_id": "file-2", "tools": [{"type": "file_search"}]},
        {"file_id": "file-3", "tools": []},
    ]


def test_query_errors_are_described_like_openai() -> None:
    too_big = {"type": "less_than_equal", "loc": ("query", "limit"), "input": "101", "ctx": {"le": 100}}
    assert describe_validation_error([too_big]) == (
        "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.",
        "limit",
        "integer_above_max_value",
    )
    too_small = {"type": "greater_than_equal", "loc": ("query", "limit"), "input": "0", "ctx": {"ge": 1}}
    assert describe_validation_error([too_small])[2] == "integer_below_min_value"
    order = {"type": "literal_error", "loc": ("query", "order"), "input": "up", "ctx": {"expected": "'asc' or 'desc'"}}
    assert describe_validation_error([order]) == (
        "Invalid value: 'up'. Supported values are: 'asc' or 'desc'.",
        "order",
        "invalid_value",
    )
    assert describe_validation_error([{"type": "json_invalid", "loc": ("body", 3)}])[2] == "invalid_json"


def test_param_path_and_kind_of() -> None:
    assert param_path(("body", "messages", 0, "content", 2, "text")) == "messages[0].content[2].text"
    assert param_path(("query", "limit")) == "limit"
    assert param_path(("body",)) is None
    json_values: tuple[Any, ...] = (None, True, 1, 1.5, "s", [], {})
    assert [kind_of(v) for v in json_values] == [
        "null",
        "a boolean",
        "an integer",
        "a decimal",
        "a string",
        "an array",
        "an object",
    ]
