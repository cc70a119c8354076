"""The Conversations API's input items as validation holds them: a schema per message form, part and item type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.conversations.fields import Kinds
from api.conversations.item_types import ITEM_TYPES, ItemType
from api.conversations.messages import IMAGE_DETAILS, MESSAGE_KEYS, PHASES, STATUSES
from api.schemas import MAX_TEXT

TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
NAME = {"type": "string", "minLength": 1}
ITEM_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}
# The JSON kinds validation checks (integers within 64 bits, as every store holds them).
KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "null": {"type": "null"},
    "array": {"type": "array", "maxItems": 8},
    "object": {"type": "object", "maxProperties": 8},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
}


def closed(kind: str, properties: dict[str, Any], required: Sequence[str]) -> dict[str, Any]:
    """An object of ``type`` ``kind`` with exactly these properties (validation refuses others)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["type", *required],
        "properties": {"type": {"const": kind}, **properties},
    }


INPUT_PARTS = [
    closed("input_text", {"text": TEXT}, ["text"]),
    closed("input_image", {"image_url": NAME, "file_id": NAME, "detail": {"enum": list(IMAGE_DETAILS)}}, ["image_url"]),
    closed("input_file", {"file_id": NAME, "file_url": NAME, "filename": NAME}, ["file_id"]),
]
OUTPUT_PARTS = [closed("output_text", {"text": TEXT}, ["text"]), closed("refusal", {"refusal": TEXT}, ["refusal"])]


def message(roles: list[str], parts: list[dict[str, Any]]) -> dict[str, Any]:
    """A message item of these roles: its content a non-empty string or a non-empty array of these parts."""
    properties = {
        "type": {"const": "message"},
        "id": ITEM_ID,
        "role": {"enum": roles},
        "content": {"anyOf": [TEXT, {"type": "array", "minItems": 1, "maxItems": 4, "items": {"anyOf": parts}}]},
        "status": {"enum": list(STATUSES)},
        "phase": {"enum": list(PHASES)},
    }
    assert set(properties) == set(MESSAGE_KEYS)
    return {"type": "object", "additionalProperties": False, "required": ["role", "content"], "properties": properties}


def field(name: str, kinds: Kinds, choices: Sequence[str] | None) -> dict[str, Any]:
    """A field of an item type: its JSON kinds, the values it may take, an id's characters."""
    options = [ITEM_ID if name == "id" and kind == "string" else KINDS[kind] for kind in kinds]
    if choices:
        options = [{"enum": list(choices)} if option.get("type") == "string" else option for option in options]
    if not options:
        return {}
    return options[0] if len(options) == 1 else {"anyOf": options}


def typed(name: str, spec: ItemType) -> dict[str, Any]:
    """An item of another type: its required and optional fields (others pass, as validation lets them)."""
    fields = {**spec.optional, **spec.required}
    return {
        "type": "object",
        "required": ["type", *spec.required],
        "properties": {"type": {"const": name}}
        | {key: field(key, kinds, spec.choices.get(key)) for key, kinds in fields.items()},
    }


INPUT_ITEM_FORMS = [
    message(["user", "system", "developer"], INPUT_PARTS),
    message(["assistant"], OUTPUT_PARTS),
    *(typed(name, spec) for name, spec in ITEM_TYPES.items() if name != "item_reference"),
    {**typed("item_reference", ITEM_TYPES["item_reference"]), "description": "An item of this tenant, by id."},
]
