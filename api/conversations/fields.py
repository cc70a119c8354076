"""Checks of JSON fields that refuse with a 400 naming the full parameter path (``items[2].content[0].text``)."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic_core import PydanticCustomError

from api.errors import APIError
from api.validation import (
    check_text,
    describe_validation_error,
    invalid,
    missing_parameter,
    supported_values,
    unknown_parameter,
    wrong_type,
)

Kinds = tuple[str, ...]
"""The JSON kinds a field takes ("string", "integer", "number", "boolean", "array", "object", "null"); () is any."""

KIND_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
}
MAX_ID = 64
MAX_DEPTH = 64
"""Arrays and objects an item may nest (tool schemas need a dozen or so; the JSON encoders stop near 255)."""
INTEGERS = range(-(2**63), 2**64)
"""The integers the JSON encoder of events and views writes (a decoded body may hold any)."""
ID_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")


def refuse(error: PydanticCustomError, field: str | None = None) -> APIError:
    """The 400 for an error built by ``api.validation``, ``field`` being the full name of what it was raised for.

    The error's own ``param`` is relative to ``field`` (as ``check_metadata``'s ``'k'`` under ``metadata``).
    """
    loc = (field,) if field else ()
    message, param, code = describe_validation_error([{"type": error.type, "loc": loc, "ctx": error.context}])
    return APIError(400, message, param=param, code=code)


def is_kind(value: Any, kind: str) -> bool:
    """Whether a decoded JSON value is of this JSON kind."""
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    types: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "boolean": bool,
        "array": list,
        "object": dict,
        "null": type(None),
    }
    return isinstance(value, types[kind])


def check_kind(value: Any, kinds: Kinds, path: str) -> None:
    """Refuse a value of none of ``kinds`` (``()`` takes anything)."""
    if not kinds or any(is_kind(value, kind) for kind in kinds):
        return
    names = [KIND_NAMES[kind] for kind in kinds if kind != "null"]
    expected = names[0] if len(names) == 1 else "one of " + " or ".join(names)
    raise refuse(wrong_type(path, expected, value), path)


def require(obj: Mapping[str, Any], key: str, path: str) -> Any:
    """Return ``obj[key]``; refuse when it is absent."""
    if key not in obj:
        raise refuse(missing_parameter(f"{path}.{key}"), f"{path}.{key}")
    return obj[key]


def check_keys(obj: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    """Refuse the first key the object does not take."""
    for key in obj:
        if key not in allowed:
            raise refuse(unknown_parameter(f"{path}.{key}"), f"{path}.{key}")


def check_choice(value: Any, choices: Sequence[str], path: str) -> str:
    """Return ``value`` if it is one of ``choices``; refuse it otherwise."""
    if not isinstance(value, str) or value not in choices:
        raise refuse(supported_values(value, choices), path)
    return value


def check_fields(
    obj: Mapping[str, Any],
    path: str,
    required: Mapping[str, Kinds],
    optional: Mapping[str, Kinds] | None = None,
    choices: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Refuse an object missing a required field or holding one of the wrong kind or value; others pass."""
    for key, kinds in required.items():
        check_kind(require(obj, key, path), kinds, f"{path}.{key}")
    for key, kinds in (optional or {}).items():
        if key in obj:
            check_kind(obj[key], kinds, f"{path}.{key}")
    for key, allowed in (choices or {}).items():
        if obj.get(key) is not None:
            check_choice(obj[key], allowed, f"{path}.{key}")


def check_string(value: Any, path: str, maximum: int = sys.maxsize) -> str:
    """Return a non-empty string of at most ``maximum`` characters; refuse anything else."""
    try:
        return check_text(path, value, maximum)
    except PydanticCustomError as error:
        raise refuse(error, path) from None


def check_id(value: Any, path: str) -> str:
    """Return an item id as a client may choose one: letters, digits, ``_`` and ``-``, at most 64 characters."""
    text = check_string(value, path, MAX_ID)
    if not ID_CHARACTERS.fullmatch(text):
        raise refuse(
            invalid(
                f"Invalid '{path}': '{text}'. Expected an ID that contains letters, numbers, underscores,"
                " or dashes, but this value contained additional characters."
            ),
            path,
        )
    return text


def check_storable(value: Any, path: str) -> None:
    """Refuse JSON no store can hold as sent: nested past ``MAX_DEPTH``, an integer past 64 bits, NaN or Infinity.

    Walks with an explicit stack: the check must not itself run out of recursion.
    """
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        current, where, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth >= MAX_DEPTH:
                raise _unstorable(
                    where, f"nested too deeply. Expected at most {MAX_DEPTH} levels of arrays and objects"
                )
            pairs = current.items() if isinstance(current, dict) else enumerate(current)
            children = [
                (child, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]") for key, child in pairs
            ]
            stack.extend((child, at, depth + 1) for child, at in reversed(children))  # first in document order
        elif isinstance(current, int) and not isinstance(current, bool) and current not in INTEGERS:
            raise _unstorable(where, "integer out of range. Expected a 64-bit integer")
        elif isinstance(current, float) and not math.isfinite(current):
            raise _unstorable(where, "NaN and Infinity are not JSON numbers")


def _unstorable(where: str, reason: str) -> APIError:
    return APIError(400, f"Invalid '{where}': {reason}.", param=where, code="invalid_value")
