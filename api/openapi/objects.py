"""JSON Schemas of the objects the API answers with, as the wire contract spells them (for the OpenAPI document)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_STR = {"type": ["string", "null"]}
METADATA = {"type": "object", "additionalProperties": {"type": "string"}}


def object_schema(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, all required."""
    return {
        "title": name,
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def ref(name: str) -> dict[str, str]:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(name: str, item: str, *, cursors: bool = True) -> dict[str, Any]:
    """A list object of ``item``s (with first_id and last_id where the list is paginated)."""
    fields: dict[str, Any] = {"object": {"const": "list"}, "data": {"type": "array", "items": ref(item)}}
    if cursors:
        fields |= {"first_id": NULLABLE_STR, "last_id": NULLABLE_STR}
    return object_schema(name, fields | {"has_more": {"type": "boolean"}})


def _deleted(name: str, kind: str) -> dict[str, Any]:
    return object_schema(name, {"id": {"type": "string"}, "object": {"const": kind}, "deleted": {"type": "boolean"}})


OBJECTS: dict[str, dict[str, Any]] = {
    "Thread": object_schema(
        "Thread",
        {
            "id": {"type": "string"},
            "object": {"const": "thread"},
            "created_at": {"type": "integer"},
            "tool_resources": {"type": ["object", "null"]},
            "metadata": METADATA,
        },
    ),
    "ThreadDeleted": _deleted("ThreadDeleted", "thread.deleted"),
    "Message": object_schema(
        "Message",
        {
            "id": {"type": "string"},
            "object": {"const": "thread.message"},
            "created_at": {"type": "integer"},
            "thread_id": {"type": "string"},
            "status": {"enum": ["in_progress", "incomplete", "completed"]},
            "incomplete_details": {
                "anyOf": [object_schema("IncompleteDetails", {"reason": {"type": "string"}}), {"type": "null"}]
            },
            "completed_at": NULLABLE_INT,
            "incomplete_at": NULLABLE_INT,
            "role": {"enum": ["user", "assistant"]},
            "content": {"type": "array", "items": {"type": "object", "required": ["type"]}},
            "assistant_id": NULLABLE_STR,
            "run_id": NULLABLE_STR,
            "attachments": {"type": "array", "items": {"type": "object"}},
            "metadata": METADATA,
        },
    ),
    "MessageDeleted": _deleted("MessageDeleted", "thread.message.deleted"),
    "MessageList": list_of("MessageList", "Message"),
}

THREAD = "/v1/threads/{thread_id}"
MESSAGE = f"{THREAD}/messages/{{message_id}}"
# Which object each operation answers with; other operations answer some JSON object.
ANSWERS = {
    ("/v1/threads", "post"): "Thread",
    ("/v1/threads/{thread_id}", "get"): "Thread",
    ("/v1/threads/{thread_id}", "post"): "Thread",
    ("/v1/threads/{thread_id}", "delete"): "ThreadDeleted",
    ("/v1/threads/{thread_id}/messages", "post"): "Message",
    ("/v1/threads/{thread_id}/messages", "get"): "MessageList",
    (MESSAGE, "get"): "Message",
    (MESSAGE, "post"): "Message",
    (MESSAGE, "delete"): "MessageDeleted",
    (f"{MESSAGE}/deltas", "post"): "Message",
    (f"{MESSAGE}/complete", "post"): "Message",
    (f"{MESSAGE}/incomplete", "post"): "Message",
}


def answer_schema(path: str, method: str, answers: Mapping[tuple[str, str], str] = ANSWERS) -> dict[str, Any]:
    """The schema of a successful answer of an operation, named in ``answers``."""
    name = answers.get((path, method))
    return ref(name) if name else {"type": "object"}
