"""Turns pydantic validation errors into the messages OpenAI gives, naming the parameter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import PydanticCustomError

TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
    "float_type": "a number",
}


def invalid(message: str, param: str | None = None, code: str = "invalid_value") -> PydanticCustomError:
    """An error raised by our own validators; ``param`` is relative to the field validated.

    The message names the parameter from the field on (``'content[0].text'``); where the field
    is nested (a new thread's ``messages[1].content``) the full name replaces it.
    """
    return PydanticCustomError("openai", "{message}", {"message": message, "param": param, "code": code})


def wrong_type(name: str, expected: str, value: Any, param: str | None = None) -> PydanticCustomError:
    """``'name'`` is not of the ``expected`` kind (e.g. "a string", "an object")."""
    return invalid(
        f"Invalid type for '{name}': expected {expected}, but got {kind_of(value)} instead.", param, "invalid_type"
    )


def unknown_parameter(name: str, param: str | None = None) -> PydanticCustomError:
    """A key the object does not take."""
    return invalid(f"Unrecognized request argument supplied: {name}", param, "unknown_parameter")


def missing_parameter(name: str, param: str | None = None) -> PydanticCustomError:
    """A key the object requires."""
    return invalid(f"Missing required parameter: '{name}'.", param, "missing_required_parameter")


def too_long(name: str, maximum: int, length: int, param: str | None = None) -> PydanticCustomError:
    """A string over its maximum length."""
    return invalid(
        f"Invalid '{name}': string too long. Expected a string with maximum length {maximum},"
        f" but got a string with length {length} instead.",
        param,
        "string_above_max_length",
    )


def check_text(name: str, value: Any, maximum: int, param: str | None = None) -> str:
    """A non-empty string of at most ``maximum`` characters."""
    if not isinstance(value, str):
        raise wrong_type(name, "a string", value, param)
    if not value:
        raise invalid(
            f"Invalid '{name}': string too short. Expected a string with minimum length 1,"
            " but got an empty string instead.",
            param,
            "string_below_min_length",
        )
    if len(value) > maximum:
        raise too_long(name, maximum, len(value), param)
    return value


def param_path(loc: Sequence[str | int]) -> str | None:
    """Spell a pydantic location the way OpenAI names parameters: ``messages[0].content``."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text or None


def kind_of(value: Any) -> str:
    """Name the JSON type of a value, as OpenAI's messages do."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a value"


def describe_validation_error(errors: Sequence[Any]) -> tuple[str, str | None, str]:
    """Return (message, param, code) for the first, most telling validation error."""
    if not errors:
        return "Invalid request.", None, "invalid_value"
    error = _most_telling(errors)
    kind = error.get("type", "")
    loc = tuple(error.get("loc", ()))
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "json_invalid":
        return "invalid JSON", None, "invalid_json"
    if kind == "openai":
        base = param_path(loc)
        sub = ctx.get("param")
        param = _joined(base, sub)
        message = str(ctx.get("message"))
        relative = _joined(str(loc[-1]), sub) if loc else None
        if relative and param and relative != param:
            message = message.replace(relative, param, 1)
        return message, param, str(ctx.get("code") or "invalid_value")
    param = param_path(loc)
    if kind == "missing":
        if param is None:
            return "Missing request body.", None, "missing_required_parameter"
        return f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
    if kind == "extra_forbidden":
        return f"Unrecognized request argument supplied: {param}", param, "unknown_parameter"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", ""))
        return (
            f"Invalid value: {_quote(value)}. Supported values are: {expected}.",
            param,
            "invalid_value",
        )
    if kind in TYPE_NAMES:
        if param is None:
            return (
                f"Invalid type for request body: expected {TYPE_NAMES[kind]}, but got {kind_of(value)} instead.",
                None,
                "invalid_type",
            )
        return (
            f"Invalid type for '{param}': expected {TYPE_NAMES[kind]}, but got {kind_of(value)} instead.",
            param,
            "invalid_type",
        )
    if kind in {"less_than_equal", "less_than"}:
        bound = ctx.get("le", ctx.get("lt"))
        return (
            f"Invalid '{param}': integer above maximum value. Expected a value <= {bound}, but got {value} instead.",
            param,
            "integer_above_max_value",
        )
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt"))
        return (
            f"Invalid '{param}': integer below minimum value. Expected a value >= {bound}, but got {value} instead.",
            param,
            "integer_below_min_value",
        )
    if kind == "string_too_long":
        return (
            f"Invalid '{param}': string too long. Expected a string with maximum length "
            f"{ctx.get('max_length')}, but got a string with length {len(str(value))} instead.",
            param,
            "string_above_max_length",
        )
    if kind == "string_too_short":
        return (
            f"Invalid '{param}': string too short. Expected a string with minimum length "
            f"{ctx.get('min_length')}, but got a string with length {len(str(value))} instead.",
            param,
            "string_below_min_length",
        )
    if kind == "too_long":
        return (
            f"Invalid '{param}': array too long. Expected an array with maximum length "
            f"{ctx.get('max_length')}, but got an array with length {ctx.get('actual_length')} instead.",
            param,
            "array_above_max_length",
        )
    if kind == "too_short":
        return (
            f"Invalid '{param}': empty array. Expected an array with minimum length "
            f"{ctx.get('min_length')}, but got an empty array instead.",
            param,
            "empty_array",
        )
    return f"Invalid '{param}': {error.get('msg', 'invalid value')}.", param, "invalid_value"


def _most_telling(errors: Sequence[Any]) -> Any:
    # Unions report one error per member; the deepest location names the real problem.
    own = [e for e in errors if e.get("type") in {"openai", "json_invalid", "extra_forbidden", "missing"}]
    pool = own or list(errors)
    return max(pool, key=lambda e: (e.get("type") == "openai", len(e.get("loc", ()))))


def _quote(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _joined(base: str | None, sub: str | None) -> str | None:
    if not sub:
        return base
    return f"{base}{sub}" if sub.startswith("[") or not base else f"{base}.{sub}"


def supported_values(value: Any, choices: Sequence[str], param: str | None = None) -> PydanticCustomError:
    """A value outside the ones the parameter takes: ``Supported values are: 'a', 'b' and 'c'.``"""
    listed = ", ".join(f"'{choice}'" for choice in choices[:-1])
    listed = f"{listed} and '{choices[-1]}'" if listed else f"'{choices[-1]}'"
    return invalid(f"Invalid value: {_quote(value)}. Supported values are: {listed}.", param)


def empty_array(name: str, param: str | None = None) -> PydanticCustomError:
    """An empty array where at least one element is required."""
    return invalid(
        f"Invalid '{name}': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        param,
        "empty_array",
    )


def array_too_long(name: str, maximum: int, length: int, param: str | None = None) -> PydanticCustomError:
    """An array over its maximum length."""
    return invalid(
        f"Invalid '{name}': array too long. Expected an array with maximum length {maximum},"
        f" but got an array with length {length} instead.",
        param,
        "array_above_max_length",
    )
