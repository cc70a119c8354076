"""Conversation bodies and non-message items refused as OpenAI refuses them, naming the parameter (no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.conversations.bodies import parse_conversation_create, parse_conversation_update, parse_items_create
from api.errors import APIError

USER = {"role": "user", "content": "hi"}


def refused(parse: Callable[[Any], Any], body: Any) -> tuple[int, str, str | None, str | None]:
    with pytest.raises(APIError) as caught:
        parse(body)
    return caught.value.status, caught.value.message, caught.value.param, caught.value.code


OTHER_ERRORS: list[tuple[Any, str, str, str]] = [
    (
        {"type": "function_call", "name": "f", "arguments": "{}"},
        "Missing required parameter: 'items[1].call_id'.",
        "items[1].call_id",
        "missing_required_parameter",
    ),
    (
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": {}},
        "Invalid type for 'items[1].arguments': expected a string, but got an object instead.",
        "items[1].arguments",
        "invalid_type",
    ),
    (
        {"type": "function_call_output", "output": 42},
        "Invalid type for 'items[1].output': expected one of a string or an array, but got an integer instead.",
        "items[1].output",
        "invalid_type",
    ),
    (
        {"type": "reasoning", "summary": []},
        "Missing required parameter: 'items[1].id'.",
        "items[1].id",
        "missing_required_parameter",
    ),
    (
        {"type": "apply_patch_call_output", "call_id": "c", "status": "in_progress"},
        "Invalid value: 'in_progress'. Supported values are: 'completed' and 'failed'.",
        "items[1].status",
        "invalid_value",
    ),
    (
        {"type": "additional_tools", "role": "user", "tools": []},
        "Invalid value: 'user'. Supported values are: 'developer'.",
        "items[1].role",
        "invalid_value",
    ),
    (
        {"type": "mcp_approval_response", "approval_request_id": "r", "approve": "yes"},
        "Invalid type for 'items[1].approve': expected a boolean, but got a string instead.",
        "items[1].approve",
        "invalid_type",
    ),
    (
        {"type": "item_reference"},
        "Missing required parameter: 'items[1].id'.",
        "items[1].id",
        "missing_required_parameter",
    ),
    ({"type": 5}, "Invalid value: 5. Supported values are: 'message', ", "items[1].type", "invalid_value"),
    ({"type": "video"}, "Invalid value: 'video'. Supported values are: 'message', ", "items[1].type", "invalid_value"),
]


@pytest.mark.parametrize(("item", "message", "param", "code"), OTHER_ERRORS)
def test_other_item_errors_name_the_parameter(item: Any, message: str, param: str, code: str) -> None:
    status, said, named, coded = refused(parse_items_create, {"items": [USER, item]})
    assert (status, named, coded) == (400, param, code)
    assert said == message or (message.endswith(", ") and said.startswith(message))


def test_an_unknown_type_lists_every_supported_type() -> None:
    _, message, _, _ = refused(parse_items_create, {"items": [{"type": "video"}]})
    assert message.endswith("'item_reference', 'program' and 'program_output'.")
    assert "'function_call_output'" in message and "'mcp_call'" in message


BODY_ERRORS: list[tuple[Callable[[Any], Any], Any, str, str | None, str]] = [
    (
        parse_items_create,
        [],
        "Invalid type for request body: expected an object, but got an array instead.",
        None,
        "invalid_type",
    ),
    (
        parse_conversation_create,
        "x",
        "Invalid type for request body: expected an object, but got a string instead.",
        None,
        "invalid_type",
    ),
    (
        parse_conversation_update,
        42,
        "Invalid type for request body: expected an object, but got an integer instead.",
        None,
        "invalid_type",
    ),
    (parse_items_create, {}, "Missing required parameter: 'items'.", "items", "missing_required_parameter"),
    (parse_items_create, None, "Missing required parameter: 'items'.", "items", "missing_required_parameter"),
    (
        parse_items_create,
        {"items": None},
        "Invalid type for 'items': expected an array, but got null instead.",
        "items",
        "invalid_type",
    ),
    (
        parse_items_create,
        {"items": []},
        "Invalid 'items': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "items",
        "empty_array",
    ),
    (
        parse_items_create,
        {"items": [USER] * 21},
        "Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length 21"
        " instead.",
        "items",
        "array_above_max_length",
    ),
    (
        parse_conversation_create,
        {"items": [USER] * 21},
        "Invalid 'items': array too long. Expected an array with maximum length 20, but got an array with length 21"
        " instead.",
        "items",
        "array_above_max_length",
    ),
    (
        parse_items_create,
        {"items": [USER], "include": []},
        "Unrecognized request argument supplied: include",
        "include",
        "unknown_parameter",
    ),
    (parse_conversation_create, {"foo": 1}, "Unrecognized request argument supplied: foo", "foo", "unknown_parameter"),
    (
        parse_conversation_create,
        {"metadata": {"k": 5}},
        "Invalid type for 'metadata.k': expected a string, but got an integer instead.",
        "metadata.k",
        "invalid_type",
    ),
    (
        parse_conversation_create,
        {"metadata": {f"k{i}": "v" for i in range(17)}},
        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object"
        " with 17 properties instead.",
        "metadata",
        "object_above_max_properties",
    ),
    (
        parse_conversation_update,
        {},
        "Missing required parameter: 'metadata'.",
        "metadata",
        "missing_required_parameter",
    ),
    (
        parse_conversation_update,
        {"metadata": {}, "items": []},
        "Unrecognized request argument supplied: items",
        "items",
        "unknown_parameter",
    ),
    (
        parse_conversation_update,
        {"metadata": {"k" * 65: "v"}},
        "Invalid 'metadata': string too long. Expected a string with maximum length 64, but got a string with length"
        " 65 instead.",
        "metadata",
        "string_above_max_length",
    ),
]


@pytest.mark.parametrize(("parse", "body", "message", "param", "code"), BODY_ERRORS)
def test_body_errors(parse: Callable[[Any], Any], body: Any, message: str, param: str | None, code: str) -> None:
    assert refused(parse, body) == (400, message, param, code)


def test_bodies_that_are_accepted() -> None:
    assert parse_conversation_create(None) == ([], {})
    assert parse_conversation_create({}) == ([], {})
    assert parse_conversation_create({"items": None, "metadata": None}) == ([], {})
    assert parse_conversation_create({"items": [], "metadata": {"a": "b"}}) == ([], {"a": "b"})
    items, _ = parse_conversation_create({"items": [USER] * 20})
    assert len(items) == 20
    assert parse_conversation_update({"metadata": {"a": "b"}}) == {"a": "b"}
    assert parse_conversation_update({"metadata": None}) == {}
    assert len(parse_items_create({"items": [USER] * 20})) == 20
