"""JSON Schemas of the Conversations API's objects and request bodies, as the wire contract spells them."""

from __future__ import annotations

from typing import Any

from api.conversations.items import ITEM_TYPE_NAMES, MAX_ITEMS
from api.conversations.messages import INPUT_PARTS, OUTPUT_PARTS, ROLES, STATUSES
from api.openapi.input_items import INPUT_ITEM_FORMS
from api.openapi.objects import list_of, object_schema, ref
from api.schemas import MAX_METADATA_KEY, MAX_METADATA_PAIRS, MAX_METADATA_VALUE

CONVERSATION = "/v1/conversations/{conversation_id}"
ITEMS = f"{CONVERSATION}/items"
ITEM = f"{ITEMS}/{{item_id}}"
OTHER_TYPES = [name for name in ITEM_TYPE_NAMES if name not in ("message", "item_reference")]

METADATA = {
    "type": "object",
    "maxProperties": MAX_METADATA_PAIRS,
    "propertyNames": {"maxLength": MAX_METADATA_KEY},
    "additionalProperties": {"type": "string", "maxLength": MAX_METADATA_VALUE},
}
PART = {"type": "object", "required": ["type"], "properties": {"type": {"enum": [*INPUT_PARTS, *OUTPUT_PARTS]}}}


def _item(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    # Items keep every field of their type in the SDK's union: more properties than these are expected.
    return {"title": name, "description": description, "type": "object", "required": required, "properties": properties}


MESSAGE_ITEM = _item(
    "MessageItem",
    "A message: id msg_…; a thread's message of role user or assistant is one too.",
    {
        "id": {"type": "string"},
        "type": {"const": "message"},
        "status": {"enum": list(STATUSES)},
        "role": {"enum": list(ROLES)},
        "content": {"type": "array", "items": PART},
    },
    ["id", "type", "status", "role", "content"],
)
OTHER_ITEM = _item(
    "OtherItem",
    "Any other item of the SDK's ConversationItem union, kept whole as it was sent (id prefixed by its type).",
    {"id": {"type": "string"}, "type": {"enum": OTHER_TYPES}},
    ["id", "type"],
)
INPUT_ITEM = {
    "title": "InputItem",
    "description": "A member of the SDK's ResponseInputItemParam: a message ({role, content}, type optional),"
    " an item_reference ({id}) or another item with its type. Refused (400, naming the item's id): an id another"
    " item of the request has, and a reference to no item of this tenant; and, anywhere in an item, JSON no store"
    " can hold as sent: an integer beyond 64 bits, arrays and objects nested too deeply.",
    "anyOf": INPUT_ITEM_FORMS,
}
INPUT_ITEMS = {"type": "array", "maxItems": MAX_ITEMS, "items": ref("InputItem")}

CONVERSATION_OBJECTS: dict[str, dict[str, Any]] = {
    "Conversation": object_schema(
        "Conversation",
        {
            "id": {"type": "string", "pattern": "^conv_"},
            "object": {"const": "conversation"},
            "created_at": {"type": "integer"},
            "metadata": METADATA,
        },
    ),
    "ConversationDeleted": object_schema(
        "ConversationDeleted",
        {"id": {"type": "string"}, "object": {"const": "conversation.deleted"}, "deleted": {"const": True}},
    ),
    "MessageItem": MESSAGE_ITEM,
    "OtherItem": OTHER_ITEM,
    "ConversationItem": {
        "title": "ConversationItem",
        "anyOf": [ref("MessageItem"), ref("OtherItem")],
    },
    "ConversationItemList": list_of("ConversationItemList", "ConversationItem"),
    "InputItem": INPUT_ITEM,
    "ConversationCreate": {
        "title": "ConversationCreate",
        "type": "object",
        "additionalProperties": False,
        "properties": {"items": {**INPUT_ITEMS}, "metadata": {"anyOf": [METADATA, {"type": "null"}]}},
    },
    "ConversationUpdate": {
        "title": "ConversationUpdate",
        "type": "object",
        "additionalProperties": False,
        "required": ["metadata"],
        "properties": {"metadata": {"anyOf": [METADATA, {"type": "null"}]}},
    },
    "ItemsCreate": {
        "title": "ItemsCreate",
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {**INPUT_ITEMS, "minItems": 1}},
    },
}

# Which object each operation answers with, and which body it takes.
CONVERSATION_ANSWERS = {
    ("/v1/conversations", "post"): "Conversation",
    (CONVERSATION, "get"): "Conversation",
    (CONVERSATION, "post"): "Conversation",
    (CONVERSATION, "delete"): "ConversationDeleted",
    (ITEMS, "post"): "ConversationItemList",
    (ITEMS, "get"): "ConversationItemList",
    (ITEM, "get"): "ConversationItem",
    (ITEM, "delete"): "Conversation",
}
REQUEST_BODIES = {
    ("/v1/conversations", "post"): "ConversationCreate",
    (CONVERSATION, "post"): "ConversationUpdate",
    (ITEMS, "post"): "ItemsCreate",
}


def request_body(path: str, method: str) -> dict[str, Any] | None:
    """The documented request body of a Conversations API operation (read as raw JSON by its route), if any."""
    name = REQUEST_BODIES.get((path, method))
    if name is None:
        return None
    return {"required": name != "ConversationCreate", "content": {"application/json": {"schema": ref(name)}}}
