"""Message bodies refused as OpenAI refuses them, with the error each names: checked on the request model (unit)
and again over HTTP, where the store must answer the same."""

from __future__ import annotations

from typing import Any

MESSAGE = {"role": "user", "content": "hi"}
META17 = {f"k{i}": "v" for i in range(17)}

# (body, message, param, code) of a message create.
MESSAGE_REFUSALS: list[tuple[dict[str, Any], str, str, str]] = [
    ({"content": "x"}, "Missing required parameter: 'role'.", "role", "missing_required_parameter"),
    (
        {"role": "system", "content": "x"},
        "Invalid value: 'system'. Supported values are: 'user' or 'assistant'.",
        "role",
        "invalid_value",
    ),
    ({"role": "user"}, "Missing required parameter: 'content'.", "content", "missing_required_parameter"),
    (
        {"role": "user", "content": ""},
        "Invalid 'content': string too short. Expected a string with minimum length 1, but got an empty"
        " string instead.",
        "content",
        "string_below_min_length",
    ),
    (
        {"role": "user", "content": []},
        "Invalid 'content': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "content",
        "empty_array",
    ),
    (
        {"role": "user", "content": [{"type": "text", "text": ""}]},
        "Invalid 'content[0].text': string too short. Expected a string with minimum length 1, but got an"
        " empty string instead.",
        "content[0].text",
        "string_below_min_length",
    ),
    (
        MESSAGE | {"metadata": META17},
        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an"
        " object with 17 properties instead.",
        "metadata",
        "object_above_max_properties",
    ),
    (
        MESSAGE | {"metadata": {"k" * 65: "v"}},
        "Invalid 'metadata': string too long. Expected a string with maximum length 64, but got a string with"
        " length 65 instead.",
        "metadata",
        "string_above_max_length",
    ),
    (
        MESSAGE | {"metadata": {"k": "v" * 513}},
        "Invalid 'metadata.k': string too long. Expected a string with maximum length 512, but got a string"
        " with length 513 instead.",
        "metadata.k",
        "string_above_max_length",
    ),
]
