"""The bodies of conversations.create, conversations.update and conversations.items.create, validated."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from api.conversations.fields import refuse
from api.conversations.items import MAX_ITEMS, parse_items
from api.errors import APIError
from api.schemas import check_metadata
from api.validation import kind_of, missing_parameter, unknown_parameter


def parse_conversation_create(body: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """``{items?, metadata?}`` (no body is ``{}``) → (0..20 items as ``parse_items`` returns them, metadata).

    Raises ``APIError`` (400) for a body that is not an object, an unknown key, or a bad item or metadata.
    """
    fields = _object(body, ("items", "metadata"))
    items = fields.get("items")
    parsed = [] if items is None else parse_items(items, "items", MAX_ITEMS, min_items=0)
    return parsed, _metadata(fields.get("metadata"))


def parse_conversation_update(body: Any) -> dict[str, str]:
    """``{metadata}`` (required; null clears it) → the conversation's new metadata.

    Raises ``APIError`` (400) for a body that is not an object, an unknown key, or missing or bad metadata.
    """
    fields = _object(body, ("metadata",))
    if "metadata" not in fields:
        raise refuse(missing_parameter("metadata"), "metadata")
    return _metadata(fields["metadata"])


def parse_items_create(body: Any) -> list[dict[str, Any]]:
    """``{items}`` (1..20, required) → the items as ``parse_items`` returns them.

    Raises ``APIError`` (400) for a body that is not an object, an unknown key, or missing or bad items.
    """
    fields = _object(body, ("items",))
    if "items" not in fields:
        raise refuse(missing_parameter("items"), "items")
    return parse_items(fields["items"])


def _object(body: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    # No body at all reads as {}, as the threads routes take it.
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise APIError(
            400,
            f"Invalid type for request body: expected an object, but got {kind_of(body)} instead.",
            code="invalid_type",
        )
    for key in body:
        if key not in allowed:
            raise refuse(unknown_parameter(key), key)
    return body


def _metadata(value: Any) -> dict[str, str]:
    try:
        checked = check_metadata(value)
    except PydanticCustomError as error:
        raise refuse(error, "metadata") from None
    return dict(checked or {})
