"""Input items of the Conversations API (OpenAI's ``ResponseInputItemParam``), validated and returned as items."""

from __future__ import annotations

import copy
from typing import Any

from api.conversations.fields import check_choice, check_fields, check_id, check_kind, check_storable, refuse
from api.conversations.item_types import ITEM_TYPES
from api.conversations.messages import parse_message
from api.validation import array_too_long, empty_array, invalid

MAX_ITEMS = 20
ITEM_TYPE_NAMES = ("message", *ITEM_TYPES)


def parse_items(
    value: Any, param: str = "items", max_items: int = MAX_ITEMS, min_items: int = 1
) -> list[dict[str, Any]]:
    """Validate an array of ``min_items``..``max_items`` input items; return them as the API answers them.

    Each comes back in its ``ConversationItem`` shape: a message's string content as one text part,
    defaults filled in (a message's ``status``, a call's ``status``), every other field as sent. An
    item has an ``id`` only if it carried one (the caller assigns the others and checks that a carried
    one is unused); an ``item_reference`` keeps the ``id`` it refers to, for the caller to resolve.
    Raises ``APIError`` (400) naming the full parameter path, e.g. ``items[2].content[0].text``.
    """
    check_kind(value, ("array",), param)
    if len(value) > max_items:
        raise refuse(array_too_long(param, max_items, len(value)), param)
    if len(value) < min_items:
        if not value:
            raise refuse(empty_array(param), param)
        raise refuse(
            invalid(
                f"Invalid '{param}': array too short. Expected an array with minimum length {min_items},"
                f" but got an array with length {len(value)} instead.",
                code="array_below_min_length",
            ),
            param,
        )
    items = [parse_item(item, f"{param}[{i}]") for i, item in enumerate(value)]
    _refuse_repeated_ids(items, param)
    return items


def parse_item(item: Any, path: str) -> dict[str, Any]:
    """Validate one input item at ``path`` (``items[3]``) and return it as the API answers it."""
    check_kind(item, ("object",), path)
    check_storable(item, path)
    kind = item_type(item, path)
    if kind == "message":
        return parse_message(item, path)
    spec = ITEM_TYPES[kind]
    check_fields(item, path, spec.required, spec.optional, spec.choices)
    answer: dict[str, Any] = {}
    if item.get("id") is not None:
        answer["id"] = check_id(item["id"], f"{path}.id")
    answer["type"] = kind
    answer |= {key: copy.deepcopy(value) for key, value in item.items() if key not in ("id", "type")}
    for key, default in spec.defaults.items():
        if answer.get(key) is None:
            answer[key] = default
    return answer


def item_type(item: dict[str, Any], path: str) -> str:
    """The item's ``type``; without one it is a message, or a reference when it has nothing but an ``id``."""
    kind = item.get("type")
    if kind is None:
        if "id" in item and "role" not in item and "content" not in item:
            return "item_reference"
        return "message"
    return check_choice(kind, ITEM_TYPE_NAMES, f"{path}.type")


def _refuse_repeated_ids(items: list[dict[str, Any]], param: str) -> None:
    # Two new items cannot share an id; references may name the same item twice.
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item["type"] == "item_reference" or "id" not in item:
            continue
        first = seen.setdefault(item["id"], i)
        if first != i:
            where = f"{param}[{i}].id"
            raise refuse(invalid(f"Invalid '{where}': '{item['id']}' is already the id of '{param}[{first}]'."), where)
