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

_BOUNDS = {  # pydantic's error type -> (where the value is, the bound's sign, OpenAI's code)
    "less_than_equal": ("above maximum", "<=", "integer_above_max_value"),
    "less_than": ("above maximum", "<=", "integer_above_max_value"),
    "greater_than_equal": ("below minimum", ">=", "integer_below_min_value"),
    "greater_than": ("below minimum", ">=", "integer_below_min_value"),
}
_LENGTHS = {  # pydantic's error type -> (the problem, what was expected, OpenAI's code)
    "string_too_long": ("string too long", "a string with maximum length {max_length}", "string_above_max_length"),
    "string_too_short": ("string too short", "a string with minimum length {min_length}", "string_below_min_length"),
    "too_long": ("array too long", "an array with maximum length {max_length}", "array_above_max_length"),
    "too_short": ("empty array", "an array with minimum length {min_length}", "empty_array"),
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
    return _length_error(name, "string_too_long", f"a string with length {length}", param, max_length=maximum)


def _length_message(name: str | None, kind: str, got: str, bound: dict[str, Any]) -> tuple[str, str]:
    """The message and code of a length out of bounds (``kind``: pydantic's error type, in ``_LENGTHS``)."""
    problem, expected, code = _LENGTHS[kind]
    return f"Invalid '{name}': {problem}. Expected {expected.format(**bound)}, but got {got} instead.", code


def _length_error(name: str, kind: str, got: str, param: str | None, **bound: int) -> PydanticCustomError:
    message, code = _length_message(name, kind, got, bound)
    return invalid(message, param, code)


def check_text(name: str, value: Any, maximum: int, param: str | None = None) -> str:
    """A non-empty string of at most ``maximum`` characters."""
    if not isinstance(value, str):
        raise wrong_type(name, "a string", value, param)
    if not value:
        raise _length_error(name, "string_too_short", "an empty string", param, min_length=1)
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


_KINDS = (  # in this order: a bool is an int too
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a decimal"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


def kind_of(value: Any) -> str:
    """Name the JSON type of a value, as OpenAI's messages do."""
    if value is None:
        return "null"
    return next((name for kind, name in _KINDS if isinstance(value, kind)), "a value")


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
        subject = "request body" if param is None else f"'{param}'"
        message = f"Invalid type for {subject}: expected {TYPE_NAMES[kind]}, but got {kind_of(value)} instead."
        return message, param, "invalid_type"
    if kind in _BOUNDS:
        where, sign, code = _BOUNDS[kind]
        bound = ctx.get("le", ctx.get("lt")) if sign == "<=" else ctx.get("ge", ctx.get("gt"))
        message = f"Invalid '{param}': integer {where} value. Expected a value {sign} {bound}, but got {value} instead."
        return message, param, code
    if kind in _LENGTHS:
        if kind == "too_short":
            got = "an empty array"
        elif kind == "too_long":
            got = f"an array with length {ctx.get('actual_length')}"
        else:
            got = f"a string with length {len(str(value))}"
        message, code = _length_message(param, kind, got, ctx)
        return message, param, code
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
    return _length_error(name, "too_short", "an empty array", param, min_length=1)


def array_too_long(name: str, maximum: int, length: int, param: str | None = None) -> PydanticCustomError:
    """An array over its maximum length."""
    return _length_error(name, "too_long", f"an array with length {length}", param, max_length=maximum)
